import { eventSchema, type GuildEvent } from '@guildserver/contracts';
import { pause } from '@guildserver/timing';
import { ApiUnreachableError, readApiError } from './errors.js';
import type { Http } from './http.js';
import { createSseParser } from './sse.js';

export interface FollowOptions {
  /** Only this server's events (the API filters; the caller should still check). */
  serverId?: string;
  /** Cursor to start after; later reconnects resume from the last event received (Last-Event-ID). */
  after?: number;
  signal: AbortSignal;
  /** Each event once, in order: never one at or before the cursor. */
  onEvent(event: GuildEvent): void;
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

const STREAM_PATH = '/v1/events/stream';
/** The wait before reconnecting until the server's `retry:` says otherwise. */
const DEFAULT_RECONNECT_MS = 1_000;
const MIN_RECONNECT_MS = 100;
const MAX_RECONNECT_MS = 5_000;

/**
 * Follows GET /v1/events/stream until `signal` aborts, reconnecting with Last-Event-ID whenever the
 * connection drops: after the server's `retry:`, doubling up to 5 s while it stays down.
 */
export async function followEvents(http: Http, options: FollowOptions): Promise<'aborted' | 'unsupported'> {
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
      const query = { serverId: options.serverId, after: cursor };
      const headers: Record<string, string> = cursor === undefined ? {} : { 'last-event-id': String(cursor) };
      const response = await http.openStream(STREAM_PATH, query, headers, signal);
      if (!response.ok) {
        const refusal = await readApiError(response, {
          baseUrl: http.baseUrl,
          method: 'GET',
          path: STREAM_PATH,
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
          const event = parseEvent(message.data);
          if (!event || (cursor !== undefined && event.id <= cursor)) return;
          cursor = event.id;
          options.onEvent(event);
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

/** The event a message carries; undefined for a keep-alive or an event this version does not know. */
function parseEvent(data: string): GuildEvent | undefined {
  try {
    const parsed = eventSchema.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
