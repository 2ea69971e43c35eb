import type { IncomingMessage, ServerResponse } from 'node:http';
import { sleep } from '@guildserver/timing';
import type { SchemaViolation } from '../api.js';
import { type Credentials, hasPrivilege, type Identity } from '../auth/credentials.js';
import { Envelope, PveHttpError } from '../errors.js';
import type { Handler, SimContext } from '../handlers/context.js';
import { checkPermission, loadSchema } from '../schema/index.js';
import type { ApiSchema, HttpMethod, PveVersion } from '../schema/types.js';
import { BodyError, cookie, readBody, sendData, sendError } from './wire.js';

export const API_PREFIX = '/api2/json';
const METHODS = new Set<HttpMethod>(['GET', 'POST', 'PUT', 'DELETE']);
/** Our own client identifies itself; its requests are also checked against other versions' schemas. */
const OWN_CLIENT_AGENT = /^guildserver-proxmox\//;

export interface ApiHandlerOptions {
  sim: SimContext;
  schema: ApiSchema;
  credentials: Credentials;
  routes: Map<string, Handler>;
  authFailureDelayMs: number;
  crossCheckVersions: PveVersion[];
  schemaDir?: string;
  recordViolation(violation: SchemaViolation): void;
  /** Counts each matched call as `METHOD <schema path>` (benchmarks read how many calls a workflow makes). */
  countCall(endpoint: string): void;
}

/** One request through pveproxy's stages: match, authenticate, proxy to the node, check permissions, validate, run. */
export function createApiHandler(options: ApiHandlerOptions) {
  const { sim, schema, credentials, routes } = options;
  const version = sim.version;

  async function authenticate(req: IncomingMessage, method: HttpMethod): Promise<Identity> {
    const header = req.headers.authorization;
    const ticket = cookie(req, 'PVEAuthCookie');
    if (!header && !ticket) throw new PveHttpError(401, 'No ticket');
    const identity = header ? credentials.fromTokenHeader(header) : credentials.fromTicket(ticket!);
    if (!identity) {
      await sleep(options.authFailureDelayMs);
      throw new PveHttpError(401, header ? 'authentication failure' : 'invalid ticket');
    }
    if (identity.viaTicket && method !== 'GET' && req.headers.csrfpreventiontoken !== identity.csrfToken) {
      throw new PveHttpError(401, 'Permission denied - invalid csrf token');
    }
    return identity;
  }

  function crossCheck(
    req: IncomingMessage,
    method: HttpMethod,
    path: string,
    params: Record<string, unknown>,
    source: 'form' | 'json',
  ) {
    const userAgent = req.headers['user-agent'];
    if (!userAgent || !OWN_CLIENT_AGENT.test(userAgent)) return;
    for (const other of options.crossCheckVersions) {
      const otherSchema = loadSchema(other, options.schemaDir ? { schemaDir: options.schemaDir } : undefined);
      const match = otherSchema.match(method, path);
      if (match.kind !== 'ok') {
        options.recordViolation({
          version: other,
          method,
          path,
          userAgent,
          errors: { path: 'not implemented in this version' },
        });
        continue;
      }
      const result = otherSchema.validate(match.endpoint, { ...params, ...match.pathParams }, source);
      if (!result.ok)
        options.recordViolation({ version: other, method, path, userAgent, errors: result.errors });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
    const path = url.pathname.slice(API_PREFIX.length) || '/';
    if (!METHODS.has(method)) throw new PveHttpError(501, `Method '${method} ${path}' not implemented`);
    const match = schema.match(method, path);
    if (match.kind !== 'ok') throw new PveHttpError(501, `Method '${method} ${path}' not implemented`);
    const { endpoint, pathParams } = match;
    options.countCall(`${method} ${endpoint.path}`);

    const body = method === 'GET' ? { params: {}, source: 'form' as const } : await readBody(req);
    const params: Record<string, unknown> = {
      ...Object.fromEntries(url.searchParams),
      ...body.params,
      ...pathParams,
    };
    crossCheck(req, method, path, params, body.source);

    const isPublic = endpoint.permissions?.user === 'world';
    const identity = isPublic ? undefined : await authenticate(req, method);

    const forced = sim.faults.forcedFailure(method, path);
    if (forced) throw new PveHttpError(forced.status, forced.message);

    if (endpoint.proxyto === 'node' && pathParams.node !== undefined) {
      const node = sim.cluster.node(pathParams.node);
      if (!node)
        throw new PveHttpError(
          500,
          `hostname lookup '${pathParams.node}' failed - failed to get address info for: ${pathParams.node}: Name or service not known`,
        );
      if (!node.online) throw new PveHttpError(595, 'No route to host');
    }

    if (identity) {
      const permission = checkPermission(endpoint.permissions, params, {
        userid: identity.userid,
        isRoot: identity.acl === undefined,
        has: (permPath, priv) => hasPrivilege(identity, permPath, priv),
      });
      if (!permission.ok) throw new PveHttpError(403, permission.message);
    }

    const validated = schema.validate(endpoint, params, body.source);
    if (!validated.ok) throw new PveHttpError(400, 'Parameter verification failed.', validated.errors);

    const handler = routes.get(`${method} ${endpoint.path}`);
    if (!handler)
      throw new PveHttpError(501, `Method '${method} ${endpoint.path}' is not implemented by the simulator`);
    const result = await handler({ sim, params: validated.params, user: identity?.id ?? 'root@pam' });
    if (result instanceof Envelope) sendData(res, result.data, result.extra);
    else sendData(res, result);
  }

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    try {
      await handle(req, res, url);
    } catch (error) {
      if (res.headersSent) return;
      if (error instanceof PveHttpError) sendError(res, version, error.status, error.message, error.errors);
      else if (error instanceof BodyError) sendError(res, version, 400, error.message);
      else sendError(res, version, 500, error instanceof Error ? error.message : String(error));
    }
  };
}
