import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { edgeReadiness } from '../domain/edge-reports.js';
import { DomainError } from '../domain/errors.js';
import { type ApiMetrics, httpMetrics } from '../observability/metrics.js';
import { runReadiness } from '../observability/readiness.js';
import { poolCounts } from '../pool/pool-status.js';
import { authenticate } from './auth.js';
import type { ApiDeps, ApiEnv } from './context.js';
import { errorResponse, onError, validationHook } from './errors.js';
import { idempotency } from './idempotency.js';
import { jsonBodies } from './json-body.js';
import { rateLimit } from './rate-limit.js';
import { capacityRoutes } from './routes/capacity.js';
import { edgeRoutes } from './routes/edge.js';
import { type EventStreamOptions, eventRoutes } from './routes/events.js';
import { gameRoutes } from './routes/games.js';
import { imageRoutes } from './routes/images.js';
import { inventoryRoutes } from './routes/inventory.js';
import { jobRoutes } from './routes/jobs.js';
import { poolRoutes } from './routes/pool.js';
import { quotaRoutes } from './routes/quotas.js';
import { guildRoutes } from './routes/schedules.js';
import { serverListRoutes } from './routes/serverlist.js';
import { serverRoutes } from './routes/servers.js';
import { tokenRoutes } from './routes/tokens.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface ApiAppOptions {
  /** Where request durations go and what `/metrics` shows; without it there is no `/metrics`. */
  metrics?: ApiMetrics;
  events?: EventStreamOptions;
}

/**
 * The HTTP API: `/healthz` and `/readyz` open, `/metrics` and everything under `/v1` behind a bearer token
 * (but the API description and `POST /v1/serverlist/announce`, which game servers send by themselves),
 * `/v1` rate limited per token, with Idempotency-Key support on POST and DELETE. Each router is mounted
 * under its prefix with the middleware that prefix needs. `/v1/openapi.json` documents it.
 */
export function createApiApp(deps: ApiDeps, options: ApiAppOptions = {}) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.onError(onError(deps.logger));
  app.notFound((c) =>
    errorResponse(c, new DomainError('not_found', `There is no route ${c.req.method} ${c.req.path}.`)),
  );
  if (options.metrics) app.use(httpMetrics(options.metrics));

  app.use(async (c, next) => {
    const requestId = c.req.header('x-request-id') ?? randomUUID();
    c.set('requestId', requestId);
    c.header('x-request-id', requestId);
    const started = performance.now();
    await next();
    deps.logger.info(
      {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const result = await runReadiness(deps.readiness);
    c.header('cache-control', 'no-store');
    // The edge is shown, not gated on: the API serves without it (jobs that publish ports wait for it).
    const edge = edgeReadiness(deps.db, deps.config.edge);
    // So is the warm pool: creates work without it, only slower.
    const pool = poolCounts(deps.db, deps.config);
    return result.ready
      ? c.json({ status: 'ready', checks: result.checks, edge, pool }, 200)
      : c.json({ status: 'not_ready', checks: result.checks, edge, pool }, 503);
  });
  const metrics = options.metrics;
  if (metrics) {
    // Any scope may read the metrics; they carry no secrets but do reveal load and names of routes.
    app.get('/metrics', authenticate(deps.db), async (c) => {
      c.header('content-type', metrics.registry.contentType);
      return c.body(await metrics.registry.metrics(), 200);
    });
  }

  const v1 = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  v1.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'GuildServer API',
      version: '1',
      description: 'Game servers on Proxmox VE, driven from Discord.',
    },
  });
  const bodies = jsonBodies();
  // Game servers report by themselves: Luanti cannot send a token, so the route checks the sender's address.
  mount(v1, '/serverlist', serverListRoutes(deps), bodies);

  const auth = authenticate(deps.db);
  const limit = rateLimit(deps.config.rateLimitPerMinute);
  const replay = idempotency(deps.db);
  const guarded = [auth, limit, bodies, replay];
  // Creating a token or a webhook answers with a secret shown once, which must not be kept for replays.
  const replayDeletes: MiddlewareHandler<ApiEnv> = (c, next) =>
    c.req.method === 'DELETE' ? replay(c, next) : next();
  mount(v1, '/servers', serverRoutes(deps), ...guarded);
  mount(v1, '/jobs', jobRoutes(deps), ...guarded);
  mount(v1, '/guilds', guildRoutes(deps), ...guarded);
  mount(v1, '/games', gameRoutes(deps), ...guarded);
  mount(v1, '/images', imageRoutes(deps), ...guarded);
  mount(v1, '/pool', poolRoutes(deps), ...guarded);
  mount(v1, '/capacity', capacityRoutes(deps), ...guarded);
  mount(v1, '/events', eventRoutes(deps, options.events), ...guarded);
  mount(v1, '/webhooks', webhookRoutes(deps), auth, limit, bodies, replayDeletes);
  mount(v1, '/tokens', tokenRoutes(deps), auth, limit, bodies, replayDeletes);
  mount(v1, '/quotas', quotaRoutes(deps), ...guarded);
  mount(v1, '/inventory', inventoryRoutes(deps), ...guarded);
  mount(v1, '/edge', edgeRoutes(deps, options.events), ...guarded);
  // Registered last, so it only reaches paths no route above answered: a stranger learns nothing of them.
  v1.use('*', ...guarded);
  app.route('/v1', v1);
  return app;
}

/** `router` under `prefix`, behind `middleware`, which applies to this mount's paths only (`/x/*` includes `/x`). */
function mount(
  parent: OpenAPIHono<ApiEnv>,
  prefix: string,
  router: OpenAPIHono<ApiEnv>,
  ...middleware: MiddlewareHandler<ApiEnv>[]
) {
  parent.use(`${prefix}/*`, ...middleware);
  parent.route(prefix, router);
}
