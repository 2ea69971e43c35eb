import {
  edgeReportSchema,
  edgeStatusSchema,
  forwardingTableSchema,
  wakeAnswerSchema,
  wakeRequestSchema,
} from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import {
  edgeStatus,
  recordEdgeReport,
  requireEdgeReader,
  requireEdgeReporter,
} from '../../domain/edge-reports.js';
import { lastEventId } from '../../domain/events.js';
import { forwardingTable } from '../../domain/forwarding.js';
import { eventFeedFor } from '../../observability/event-feed.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json, jsonBody } from '../openapi.js';
import type { EventStreamOptions } from './events.js';

const readErrors = errorResponses({ 401: 'No or unknown token', 403: 'Not an edge or admin token' });

/** Mounted at `/edge`: what the edge reads (the forwarding table, its generations) and reports. */
export function edgeRoutes(deps: ApiDeps, options: EventStreamOptions = {}) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const feed = options.feed ?? eventFeedFor(deps.db);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/forwarding',
      summary:
        'What the edge forwards now (edge or admin token): every published port of every server whose ports are published, and the generation',
      responses: { 200: json(forwardingTableSchema, 'The forwarding table'), ...readErrors },
    }),
    (c) => {
      requireEdgeReader(c.get('actor'));
      return c.json(forwardingTable(deps.db, deps.config), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/status',
      summary: 'An edge reports the generation it applied and its health (edge token)',
      request: { body: jsonBody(edgeReportSchema) },
      responses: {
        200: json(edgeStatusSchema, 'Every edge as the API knows it now'),
        ...errorResponses({ 400: 'Bad report', 401: 'No or unknown token', 403: 'Not an edge token' }),
      },
    }),
    (c) => {
      requireEdgeReporter(c.get('actor'));
      recordEdgeReport(deps.db, c.req.valid('json'));
      return c.json(edgeStatus(deps.db), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/wake',
      summary:
        "A player's join attempt reached a sleeping server's port at an edge (edge token): wake it, within the limits per server and per source",
      request: { body: jsonBody(wakeRequestSchema) },
      responses: {
        200: json(wakeAnswerSchema, 'Waking, already awake, or refused (with the reason)'),
        ...errorResponses({
          400: 'Bad request',
          401: 'No or unknown token',
          403: 'Not an edge token',
          404: 'No such server',
          429: 'Woken by joins too often (per server or per source)',
        }),
      },
    }),
    async (c) => c.json(await deps.servers.wakeForJoin(c.req.valid('json'), c.get('actor')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/status',
      summary: "Every edge's last report: applied generation, lag behind the API's, staleness, problem",
      responses: { 200: json(edgeStatusSchema, 'The edges'), ...readErrors },
    }),
    (c) => {
      requireEdgeReader(c.get('actor'));
      return c.json(edgeStatus(deps.db), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stream',
      summary: "The forwarding table's generations as Server-Sent Events (edge or admin token)",
      description:
        'Sends `id: <generation>`, `event: generation`, `data: {"generation": N}` at once and whenever the ' +
        'API changes anything (a burst arrives as its newest generation); read /v1/edge/forwarding on each. ' +
        'A comment line keeps the connection alive every 15 s.',
      request: { headers: z.object({ 'last-event-id': z.string().optional() }) },
      responses: {
        200: { description: 'The generations', content: { 'text/event-stream': { schema: z.string() } } },
        ...readErrors,
      },
    }),
    // An SSE response is no typed JSON answer, so the handler is registered untyped.
    (async (c: Context<ApiEnv>) => {
      requireEdgeReader(c.get('actor'));
      c.header('X-Accel-Buffering', 'no');
      return streamSSE(c, async (stream) => {
        const stop = new AbortController();
        stream.onAbort(() => stop.abort());
        const onShutdown = () => stop.abort();
        options.shutdown?.addEventListener('abort', onShutdown, { once: true });
        stop.signal.addEventListener('abort', () =>
          options.shutdown?.removeEventListener('abort', onShutdown),
        );
        if (options.shutdown?.aborted) return;
        await stream.write('retry: 2000\n\n');
        // Always the current generation first: the edge reconnecting after a gap re-reads at once.
        let sent = -1;
        while (!stop.signal.aborted) {
          let generation: number;
          try {
            generation = lastEventId(deps.db);
          } catch (error) {
            deps.logger.warn({ err: error }, 'edge stream could not read the generation; closing it');
            return;
          }
          if (generation > sent) {
            const data = JSON.stringify({ generation });
            await stream.writeSSE({ id: String(generation), event: 'generation', data });
            sent = generation;
          } else {
            await stream.write(': keep-alive\n\n');
          }
          await feed.wait(sent, keepAliveMs, stop.signal);
        }
      });
    }) as never,
  );
  return app;
}
