import {
  type EdgeGeneration,
  edgeGenerationSchema,
  eventSchema,
  type GuildEvent,
} from '@guildserver/contracts';
import { pause } from '@guildserver/timing';
import { ApiUnreachableError, readApiError } from './errors.js';
import type { Http } from './http.js';
import { createSseParser } from './sse.js';

/** What every follower of a resumable stream shares. */
export interface StreamFollowing {
  /** Cursor to start after; later reconnects resume from the last message received (Last-Event-ID). */
  after?: number;
  signal: AbortSignal;
  /** Told when the connection drops and when it is back. */
  onConnection?(state: 'open' | 'lost'): void;
  /** Told of every failed attempt, before waiting `delayMs` to try again. */
  onRetry?(error: unknown, delayMs: number): void;
  /** Give up after this long without a connection; never when left out. */
  giveUpAfterMs?: number;
  /**
   * Retry refusals (4xx, a missing stream) as well, as a long-running follower must; otherwise they end the
   * follow: a 404 or 405 resolves 'unsupported' (the caller can poll instead), any other refusal throws.
   */
  retryRefusals?: boolean;
}

export interface FollowOptions extends StreamFollowing {
  /** Only this server's events (the API filters; the caller should still check). */
  serverId?: string;
  /** Each event once, in order: never one at or before the cursor. */
  onEvent(event: GuildEvent): void;
}

export interface FollowGenerationsOptions extends StreamFollowing {
  /** Each newer generation of the forwarding table, once; bursts of changes arrive as their newest. */
  onGeneration(message: EdgeGeneration): void;
}

/** One stream: where, and how its messages are read and ordered. */
interface StreamSpec<T> {
  path: string;
  query?: Record<string, string | undefined>;
  parse(data: string): T | undefined;
  idOf(message: T): number;
  onMessage(message: T): void;
}

/** The wait before reconnecting until the server's `retry:` says otherwise. */
const DEFAULT_RECONNECT_MS = 1_000;
const MIN_RECONNECT_MS = 100;
const MAX_RECONNECT_MS = 5_000;

/** Follows GET /v1/events/stream (the events the token may read): see followStream. */
export function followEvents(http: Http, options: FollowOptions): Promise<'aborted' | 'unsupported'> {
  return followStream(http, options, {
    path: '/v1/events/stream',
    query: { serverId: options.serverId },
    parse: parseWith(eventSchema),
    idOf: (event) => event.id,
    onMessage: options.onEvent,
  });
}

/** Follows GET /v1/edge/stream (edge and admin tokens): the forwarding table's generations. */
export function followEdgeGenerations(
  http: Http,
  options: FollowGenerationsOptions,
): Promise<'aborted' | 'unsupported'> {
  return followStream(http, options, {
    path: '/v1/edge/stream',
    parse: parseWith(edgeGenerationSchema),
    idOf: (message) => message.generation,
    onMessage: options.onGeneration,
  });
}

/**
 * Follows a Server-Sent Events stream of the API until `signal` aborts, reconnecting with Last-Event-ID
 * whenever the connection drops: after the server's `retry:`, doubling up to 5 s while it stays down.
 */
async function followStream<T>(
  http: Http,
  options: StreamFollowing,
  stream: StreamSpec<T>,
): Promise<'aborted' | 'unsupported'> {
  const { signal } = options;
  let cursor = options.after;
  let reconnectMs = DEFAULT_RECONNECT_MS;
  let delay = 0;
  let lostSince: number | undefined;

  while (!signal.aborted) {
    if (delay > 0) {
      await pause(delay, signal);
      if (signal.aborted) break;
    }
    try {
      const query = { ...stream.query, after: cursor };
      const headers: Record<string, string> = cursor === undefined ? {} : { 'last-event-id': String(cursor) };
      const response = await http.openStream(stream.path, query, headers, signal);
      if (!response.ok) {
        const refusal = await readApiError(response, {
          baseUrl: http.baseUrl,
          method: 'GET',
          path: stream.path,
        });
        if (!options.retryRefusals && (response.status === 404 || response.status === 405))
          return 'unsupported';
        if (!options.retryRefusals && response.status < 500) throw refusal;
        // A server-side hiccup is retried like a dropped connection.
        throw new ApiUnreachableError(refusal.message, 'api_unreachable', response.status);
      }
      if (lostSince !== undefined) options.onConnection?.('open');
      lostSince = undefined;
      delay = 0;
      const parser = createSseParser(
        (message) => {
          const parsed = stream.parse(message.data);
          if (parsed === undefined) return;
          const id = stream.idOf(parsed);
          if (cursor !== undefined && id <= cursor) return;
          cursor = id;
          stream.onMessage(parsed);
        },
        (ms) => {
          reconnectMs = Math.min(Math.max(ms, MIN_RECONNECT_MS), MAX_RECONNECT_MS);
        },
      );
      const reader = response.body?.getReader();
      if (!reader) throw new ApiUnreachableError('The event stream answered without a body.');
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(decoder.decode(value, { stream: true }));
      }
      // The server ended the stream: reconnect from where we are.
      throw new ApiUnreachableError('The event stream ended.');
    } catch (error) {
      if (signal.aborted) break;
      const connectionLost = error instanceof ApiUnreachableError || error instanceof TypeError;
      if (!connectionLost && !options.retryRefusals) throw error;
      if (lostSince === undefined) {
        lostSince = Date.now();
        options.onConnection?.('lost');
      } else if (options.giveUpAfterMs !== undefined && Date.now() - lostSince > options.giveUpAfterMs) {
        throw error instanceof ApiUnreachableError ? error : http.unreachable(error);
      }
      delay = delay === 0 ? reconnectMs : Math.min(delay * 2, MAX_RECONNECT_MS);
      options.onRetry?.(error, delay);
    }
  }
  return 'aborted';
}

/** The message's data read with `schema`; undefined for a keep-alive or a message this version does not know. */
function parseWith<T>(schema: {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}) {
  return (data: string): T | undefined => {
    try {
      const parsed = schema.safeParse(JSON.parse(data));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };
}
