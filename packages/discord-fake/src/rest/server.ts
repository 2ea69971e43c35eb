// Discord's REST API v10 on node:http: routing, bot-token auth, chosen 429s, body validation (Discord's rules,
// then the OpenAPI schema with known drifts coerced), Discord-shaped errors, and a log of every request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DiscordApiError, DiscordErrors, FormErrors } from '../errors.js';
import { coerceDrifts } from '../spec/drifts.js';
import { Router } from './router.js';
import { channelRoutes } from './routes/channels.js';
import { commandRoutes } from './routes/commands.js';
import { identityRoutes } from './routes/identity.js';
import { interactionRoutes } from './routes/interactions.js';
import type { DiscordViolation, FakeContext, HttpMethod, RequestLogEntry, RouteRequest } from './types.js';

const API_PREFIX = '/api/v10';
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_BODY = 25 * 1024 * 1024;

export const ROUTES = [...interactionRoutes, ...channelRoutes, ...identityRoutes, ...commandRoutes];

/** Violations recorded by every fake in this process (for a suite-wide guard). */
const processViolations: DiscordViolation[] = [];
export const discordViolationsInProcess = (): readonly DiscordViolation[] => processViolations;

export function createRestHandler(ctx: FakeContext) {
  const router = new Router(ROUTES);

  return (req: IncomingMessage, res: ServerResponse): Promise<void> => ctx.world.batch(() => serve(req, res));

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = (req.method ?? 'GET').toUpperCase();
    const entry: RequestLogEntry = {
      at: ctx.world.isoNow(),
      method,
      path: url.pathname,
      query: url.search,
      status: 0,
      authorized: false,
    };
    const write = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      if (res.destroyed) return; // the client went away while its answer was held
      if (body === undefined) {
        res.writeHead(status, headers).end();
      } else {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
      }
    };
    /** Logs the request and answers it, at once or once a test's hold is released. */
    const send = (
      status: number,
      body?: unknown,
      headers: Record<string, string> = {},
      heldUntil?: Promise<void>,
    ) => {
      entry.status = status;
      if (heldUntil) entry.held = true;
      ctx.requests.push(entry);
      if (heldUntil) void heldUntil.then(() => write(status, body, headers));
      else write(status, body, headers);
      ctx.world.changed();
    };
    const fail = (error: DiscordApiError) => {
      entry.code = error.code;
      send(error.status, error.body());
    };

    try {
      const raw = await readBody(req);
      if (!url.pathname.startsWith(`${API_PREFIX}/`) || !METHODS.has(method))
        return fail(DiscordErrors.notFound());
      const path = url.pathname.slice(API_PREFIX.length);
      let segments: string[];
      try {
        segments = path.split('/').slice(1).map(decodeURIComponent);
      } catch {
        return fail(DiscordErrors.notFound());
      }
      entry.path = `/${segments.join('/')}`;
      const match = router.match(method as HttpMethod, segments);
      if (match === undefined) return fail(DiscordErrors.notFound());
      if (match === 'method') return fail(DiscordErrors.methodNotAllowed());
      const { route, params } = match;
      entry.template = route.template;

      const auth = req.headers.authorization;
      entry.authorized = auth === `Bot ${ctx.botToken}`;
      if (route.auth === 'bot' && !entry.authorized) return fail(DiscordErrors.unauthorized());

      const decodedPath = `/${segments.join('/')}`;
      const limited = ctx.rateLimits.take(method, decodedPath, route.template);
      if (limited) {
        const resetAt = ctx.clock.now() / 1000 + limited.retryAfter;
        entry.code = 0;
        return send(
          429,
          {
            message: 'You are being rate limited.',
            code: 0,
            retry_after: limited.retryAfter,
            global: limited.global,
          },
          {
            'Retry-After': String(Math.ceil(limited.retryAfter)),
            'X-RateLimit-Limit': '1',
            'X-RateLimit-Remaining': '0',
            'X-RateLimit-Reset': resetAt.toFixed(3),
            'X-RateLimit-Reset-After': limited.retryAfter.toFixed(3),
            'X-RateLimit-Bucket': limited.bucket,
            'X-RateLimit-Scope': limited.global ? 'global' : 'user',
            ...(limited.global ? { 'X-RateLimit-Global': 'true' } : {}),
          },
        );
      }

      let body: unknown;
      if (raw.length > 0) {
        const parsed = parseBody(raw, req.headers['content-type']);
        if (parsed === INVALID) return fail(DiscordErrors.invalidJson());
        body = parsed;
        entry.body = body;
      }
      const request: RouteRequest = {
        method: method as HttpMethod,
        path: decodedPath,
        template: route.template,
        params,
        query: url.searchParams,
        body,
      };
      route.precheck?.(request, ctx);

      if (body !== undefined) {
        const ruleErrors = new FormErrors();
        route.rules?.(request, ctx, ruleErrors);
        const copy = structuredClone(body);
        const drifts = coerceDrifts(route.template, method.toLowerCase(), copy);
        if (drifts.length > 0) entry.drifts = drifts;
        const spec = ctx.validator.check(route.template, method, copy);
        if (!ruleErrors.empty || !spec.errors.empty) {
          const errors = new FormErrors();
          errors.merge(ruleErrors.empty ? spec.errors : ruleErrors);
          if (!ruleErrors.empty && !spec.errors.empty)
            for (const line of spec.errors.lines) errors.lines.push(`(schema) ${line}`);
          const violation: DiscordViolation = {
            at: entry.at,
            method,
            path: decodedPath,
            template: route.template,
            ...(spec.operationId ? { operationId: spec.operationId } : {}),
            source: ruleErrors.empty ? 'schema' : spec.errors.empty ? 'rule' : 'rule+schema',
            errors: errors.tree,
            lines: errors.lines,
            body,
          };
          ctx.violations.push(violation);
          processViolations.push(violation);
          return fail(DiscordErrors.invalidFormBody(errors));
        }
      }

      const result = await route.handle(request, ctx);
      send(result.status, result.body, {}, ctx.holds.take(method, decodedPath, route.template));
    } catch (error) {
      if (error instanceof DiscordApiError) return fail(error);
      console.error('[discord-fake] internal error', error);
      send(500, { message: '500: Internal Server Error', code: 0 });
    }
  }
}

const INVALID = Symbol('invalid');

function parseBody(raw: Buffer, contentType: string | undefined): unknown | typeof INVALID {
  let text = raw.toString('utf8');
  if (contentType?.startsWith('multipart/form-data')) {
    // Files are not stored; the JSON part is what Discord validates.
    const part = /name="payload_json"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*?)\r\n--/.exec(text);
    if (!part) return {};
    text = part[1]!;
  }
  try {
    return JSON.parse(text);
  } catch {
    return INVALID;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
