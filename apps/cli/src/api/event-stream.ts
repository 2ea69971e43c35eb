import { eventSchema, type GuildEvent } from '@guildserver/contracts';
import { ApiUnreachableError } from '../errors.js';
import { type ApiClient, errorOf, unreachable } from './client.js';
import { createSseParser } from './sse-parser.js';

export interface FollowOptions {
  /** Only this server's events (the API filters; the caller should still check). */
  serverId?: string;
  /** Cursor to start after; later reconnects resume from the last event received (Last-Event-ID). */
  after?: number;
  signal: AbortSignal;
  onEvent(event: GuildEvent): void;
  /** Told when the connection drops and when it is back. */
  onConnection?(state: 'open' | 'lost'): void;
  /** Give up after this long without a connection (default 2 minutes). */
  giveUpAfterMs?: number;
}

const STREAM_PATH = '/v1/events/stream';

/**
 * Follows GET /v1/events/stream until `signal` aborts, reconnecting with Last-Event-ID (back-off from
 * the server's `retry:` up to 5 s) whenever the connection drops. Resolves 'unsupported' when the API has
 * no event stream (404), so the caller can poll instead; throws on auth errors or after giving up.
 */
export async function followEvents(
  client: ApiClient,
  options: FollowOptions,
): Promise<'aborted' | 'unsupported'> {
  let cursor = options.after;
  let retryMs = 1_000;
  let delay = 0;
  let lostSince: number | undefined;
  const giveUpAfter = options.giveUpAfterMs ?? 120_000;

  while (!options.signal.aborted) {
    if (delay > 0) {
      await sleep(delay, options.signal);
      if (options.signal.aborted) break;
    }
    const query = new URLSearchParams();
    if (options.serverId) query.set('serverId', options.serverId);
    if (cursor !== undefined) query.set('after', String(cursor));
    const path = `${STREAM_PATH}${query.size > 0 ? `?${query}` : ''}`;
    const headers: Record<string, string> = cursor !== undefined ? { 'last-event-id': String(cursor) } : {};
    try {
      const response = await client.openStream(path, headers, options.signal);
      if (response.status === 404 || response.status === 405) {
        await response.body?.cancel();
        return 'unsupported';
      }
      if (!response.ok) {
        const error = await errorOf(response, client.baseUrl, STREAM_PATH);
        // A server-side hiccup is retried like a dropped connection; a refusal is final.
        if (response.status < 500) throw error;
        throw new ApiUnreachableError(error.message);
      }
      if (lostSince !== undefined) options.onConnection?.('open');
      lostSince = undefined;
      delay = 0;
      const parser = createSseParser(
        (message) => {
          let event: GuildEvent;
          try {
            const parsed = eventSchema.safeParse(JSON.parse(message.data));
            if (!parsed.success) return;
            event = parsed.data;
          } catch {
            return; // a keep-alive or a message this version does not know
          }
          if (cursor === undefined || event.id > cursor) {
            cursor = event.id;
            options.onEvent(event);
          }
        },
        (ms) => {
          retryMs = Math.min(Math.max(ms, 100), 5_000);
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
      if (options.signal.aborted) break;
      const network = error instanceof ApiUnreachableError || error instanceof TypeError;
      if (!network) throw error;
      if (lostSince === undefined) {
        lostSince = Date.now();
        options.onConnection?.('lost');
      } else if (Date.now() - lostSince > giveUpAfter) {
        throw error instanceof ApiUnreachableError ? error : unreachable(client.baseUrl, error);
      }
      delay = delay === 0 ? retryMs : Math.min(delay * 2, 5_000);
    }
  }
  return 'aborted';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
