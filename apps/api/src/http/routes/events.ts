import { eventsPageSchema, eventsQuerySchema, type GuildEvent } from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { type Actor, reachOf } from '../../domain/actor.js';
import { DomainError } from '../../domain/errors.js';
import { type EventFilter, lastEventId, listEvents } from '../../domain/events.js';
import { type EventFeed, eventFeedFor } from '../../observability/event-feed.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json } from '../openapi.js';

export interface EventStreamOptions {
  /** A comment line this often keeps proxies and clients from timing the stream out. */
  keepAliveMs?: number;
  /** Events read from SQLite per round; the stream writes one round before reading the next. */
  batchSize?: number;
  feed?: EventFeed;
  /** Aborted when the API shuts down: open streams end, so the HTTP server can close. */
  shutdown?: AbortSignal;
}

const streamQuerySchema = eventsQuerySchema.pick({ after: true, guildId: true, serverId: true });

const errors = errorResponses({
  400: 'Bad input',
  401: 'No or unknown token',
  403: "Another user's server",
  404: 'No such server',
});

/** `Last-Event-ID` (what EventSource sends when it reconnects) wins over `?after=`. */
function resumeCursor(c: Context, after: number): number {
  const header = c.req.header('last-event-id');
  if (header === undefined || header.trim() === '') return after;
  if (!/^\d{1,15}$/.test(header.trim())) {
    throw new DomainError('invalid_request', 'Last-Event-ID must be the id of an event (a whole number).');
  }
  return Number(header.trim());
}

/** The query's filter narrowed to what the caller may read; a server of someone else's is refused. */
function filterFor(
  deps: ApiDeps,
  actor: Actor,
  query: { guildId?: string | undefined; serverId?: string | undefined },
): EventFilter {
  const filter: EventFilter = { reach: reachOf(actor) };
  if (query.guildId) filter.guildId = query.guildId;
  if (query.serverId) {
    deps.servers.requireMayRead(query.serverId, actor);
    filter.serverId = query.serverId;
  }
  return filter;
}

/**
 * The outbox, read by cursor: a page at a time (`GET /v1/events`) or as Server-Sent Events
 * (`GET /v1/events/stream`). Both read SQLite after the cursor in id order, so nothing is lost or reordered;
 * each caller sees the events of the servers it may read (`reachOf`). Mounted at `/events`.
 */
export function eventRoutes(deps: ApiDeps, options: EventStreamOptions = {}) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const batchSize = options.batchSize ?? 100;
  const feed = options.feed ?? eventFeedFor(deps.db);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary: 'Events after a cursor, oldest first',
      request: { query: eventsQuerySchema },
      responses: {
        200: json(eventsPageSchema, 'A page of events'),
        ...errors,
      },
    }),
    (c) => {
      const query = c.req.valid('query');
      const events = listEvents(deps.db, query.after, query.limit, filterFor(deps, c.get('actor'), query));
      return c.json({ events, cursor: events.at(-1)?.id ?? query.after }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stream',
      summary: 'Events as Server-Sent Events, resumable with Last-Event-ID (or ?after=)',
      description:
        'Each event is sent as `id: <event id>`, `event: <type>`, `data: <the event as JSON>`. A comment line ' +
        'keeps the connection alive every 15 s. Reconnect with the `Last-Event-ID` header to get exactly the ' +
        'events you missed.',
      request: {
        query: streamQuerySchema,
        headers: z.object({ 'last-event-id': z.string().optional() }),
      },
      responses: {
        200: { description: 'The event stream', content: { 'text/event-stream': { schema: z.string() } } },
        ...errors,
      },
    }),
    // An SSE response is no typed JSON answer, so the handler is registered untyped.
    (async (c: Context<ApiEnv>) => {
      const query = streamQuerySchema.parse(c.req.query());
      let cursor = resumeCursor(c, query.after);
      const filter = filterFor(deps, c.get('actor'), query);
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
        // Ask EventSource to wait 2 s before reconnecting; it resends the last id it saw.
        await stream.write('retry: 2000\n\n');
        let lastWrite = Date.now();
        while (!stop.signal.aborted) {
          let batch: GuildEvent[];
          let newest: number;
          try {
            // Read before the query: every event up to `newest` is committed (SQLite commits ids in order),
            // so after a short batch nothing up to it is left for this filter and the wait can start there.
            newest = lastEventId(deps.db);
            batch = listEvents(deps.db, cursor, batchSize, filter);
          } catch (error) {
            deps.logger.warn({ err: error }, 'event stream could not read events; closing it');
            return;
          }
          for (const event of batch) {
            if (stop.signal.aborted) return;
            // Awaiting each write is the back-pressure: a slow reader holds this loop, not a growing buffer.
            await stream.writeSSE({ id: String(event.id), event: event.type, data: JSON.stringify(event) });
            cursor = event.id;
            lastWrite = Date.now();
          }
          if (batch.length === batchSize) continue;
          const idle = Date.now() - lastWrite;
          if (idle >= keepAliveMs) {
            await stream.write(': keep-alive\n\n');
            lastWrite = Date.now();
            continue;
          }
          await feed.wait(Math.max(cursor, newest), keepAliveMs - idle, stop.signal);
        }
      });
    }) as never,
  );

  return app;
}
