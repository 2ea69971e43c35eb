import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { DomainError } from '../domain/errors.js';
import { type ApiMetrics, httpMetrics } from '../observability/metrics.js';
import { runReadiness } from '../observability/readiness.js';
import { authenticate } from './auth.js';
import type { ApiDeps, ApiEnv } from './context.js';
import { errorResponse, onError, validationHook } from './errors.js';
import { idempotency } from './idempotency.js';
import { jsonBodies } from './json-body.js';
import { rateLimit } from './rate-limit.js';
import { type EventStreamOptions, eventRoutes } from './routes/events.js';
import { gameRoutes } from './routes/games.js';
import { inventoryRoutes } from './routes/inventory.js';
import { jobRoutes } from './routes/jobs.js';
import { quotaRoutes } from './routes/quotas.js';
import { ANNOUNCE_PATH, serverListRoutes } from './routes/serverlist.js';
import { serverRoutes } from './routes/servers.js';
import { tokenRoutes } from './routes/tokens.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface ApiAppOptions {
  /** Where request durations go and what `/metrics` shows; without it there is no `/metrics`. */
  metrics?: ApiMetrics;
  events?: EventStreamOptions;
}

/** Answers that carry a secret shown once (new tokens, new webhooks) are not kept for Idempotency-Key replays. */
const SHOWS_SECRET = new Set(['/v1/tokens', '/v1/webhooks']);

/**
 * The HTTP API: `/healthz` and `/readyz` open, `/metrics` and everything under `/v1` behind a bearer token
 * (but the API description and `POST /v1/serverlist/announce`, which game servers send by themselves),
 * `/v1` rate limited per token, with Idempotency-Key support on POST and DELETE. `/v1/openapi.json`
 * documents it.
 */
export function createApiApp(
  deps: ApiDeps,
  extraRoutes: ((app: OpenAPIHono<ApiEnv>) => void)[] = [],
  options: ApiAppOptions = {},
) {
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
    return result.ready
      ? c.json({ status: 'ready', checks: result.checks }, 200)
      : c.json({ status: 'not_ready', checks: result.checks }, 503);
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
  // The API description is public; so are the game servers' own reports (Luanti cannot send a token: the
  // route checks the sender's address instead). Everything else needs a token.
  const isOpen = (path: string) => path === '/v1/openapi.json' || path === `/v1${ANNOUNCE_PATH}`;
  const auth = authenticate(deps.db);
  const limit = rateLimit(deps.config.rateLimitPerMinute);
  const replay = idempotency(deps.db);
  v1.use('*', (c, next) => (isOpen(c.req.path) ? next() : auth(c, next)));
  v1.use('*', (c, next) => (isOpen(c.req.path) ? next() : limit(c, next)));
  v1.use('*', jsonBodies());
  v1.use('*', (c, next) =>
    isOpen(c.req.path) || (c.req.method === 'POST' && SHOWS_SECRET.has(c.req.path))
      ? next()
      : replay(c, next),
  );
  v1.route('/', serverRoutes(deps));
  v1.route('/', jobRoutes(deps));
  v1.route('/', gameRoutes(deps));
  v1.route('/', eventRoutes(deps, options.events));
  v1.route('/', webhookRoutes(deps));
  v1.route('/', tokenRoutes(deps));
  v1.route('/', quotaRoutes(deps));
  v1.route('/', serverListRoutes(deps));
  v1.route('/', inventoryRoutes(deps));
  for (const add of extraRoutes) add(v1);
  app.route('/v1', v1);
  return app;
}
