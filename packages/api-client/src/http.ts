// Requests to the API: the bearer token, whom the request acts for, a time-out, an Idempotency-Key on writes,
// and every failure turned into an ApiError with a stable code.
import { randomUUID } from 'node:crypto';
import { ACTING_GUILD_ADMIN_HEADER, ACTING_USER_HEADER } from '@guildserver/contracts';
import { sleep } from '@guildserver/timing';
import { ApiError, type ApiUnreachableError, errorOfBody, readJson, unreachableError } from './errors.js';

export interface ApiClientOptions {
  baseUrl: string;
  token: string;
  /** Per request, unless a call says otherwise (default 15 s). */
  timeoutMs?: number;
  /** Tries of a POST or DELETE the connection failed for (default 1); its Idempotency-Key makes a retry safe. */
  writeAttempts?: number;
  /** What to do when the API cannot be reached, said at the end of that error's sentence. */
  unreachableAdvice?: string;
  /** Replaces global fetch (tests, benchmarks). */
  fetch?: typeof fetch;
}

/** Whom a request acts for: the Discord user, and the guild in which the bot vouches they are an admin. */
export interface Acting {
  userId: string;
  adminOfGuild?: string;
}

export interface CallOptions {
  acting?: Acting;
  /** Give up after this long instead of the client's time-out. */
  timeoutMs?: number;
  /** Sent as Idempotency-Key on writes (else a fresh one), so a retried request never queues a second job. */
  idempotencyKey?: string;
}

/** A schema from packages/contracts, or anything else that parses a body into T. */
export interface Parser<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

export type Query = Record<string, string | number | undefined>;

export interface RequestOptions<T> extends CallOptions {
  query?: Query;
  body?: unknown;
  parse: Parser<T>;
}

export interface Http {
  readonly baseUrl: string;
  request<T>(method: string, path: string, options: RequestOptions<T>): Promise<T>;
  /** A streaming GET whose body the caller reads; only a connection failure throws. */
  openStream(
    path: string,
    query: Query,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<Response>;
  /** The sentence for a connection that failed outside a request (a stream cut while reading). */
  unreachable(error: unknown): ApiUnreachableError;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const WRITE_RETRY_DELAY_MS = 300;

export function createHttp(options: ApiClientOptions): Http {
  const { baseUrl, token, unreachableAdvice } = options;
  const fetchImpl = options.fetch ?? fetch;
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const writeAttempts = options.writeAttempts ?? 1;

  const urlOf = (path: string, query: Query = {}) => {
    const url = new URL(`${baseUrl}${path}`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  };

  function headersOf(call: CallOptions, json: boolean, writes: boolean): Record<string, string> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (json) headers['content-type'] = 'application/json';
    if (call.acting) {
      headers[ACTING_USER_HEADER] = call.acting.userId;
      if (call.acting.adminOfGuild) headers[ACTING_GUILD_ADMIN_HEADER] = call.acting.adminOfGuild;
    }
    if (writes) headers['idempotency-key'] = call.idempotencyKey ?? randomUUID();
    return headers;
  }

  async function send(url: URL, init: RequestInit, timeoutMs: number): Promise<Response> {
    try {
      return await fetchImpl(url, init);
    } catch (error) {
      throw unreachableError(error, baseUrl, timeoutMs, unreachableAdvice);
    }
  }

  async function request<T>(method: string, path: string, options: RequestOptions<T>): Promise<T> {
    const url = urlOf(path, options.query);
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    const writes = method === 'POST' || method === 'DELETE';
    const headers = headersOf(options, options.body !== undefined, writes);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    let response: Response;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await send(
          url,
          { method, headers, body, signal: AbortSignal.timeout(timeoutMs) },
          timeoutMs,
        );
        break;
      } catch (error) {
        if (!writes || attempt >= writeAttempts) throw error;
        await sleep(WRITE_RETRY_DELAY_MS * attempt);
      }
    }
    const payload = await readJson(response);
    if (!response.ok) throw errorOfBody(response, payload, { baseUrl, method, path });
    const parsed = options.parse.safeParse(payload);
    if (!parsed.success) {
      throw new ApiError(
        'bad_response',
        `The API at ${baseUrl} answered ${method} ${path} with a body this client does not understand; is API_URL pointing at GuildServer's API, of the same version?`,
        response.status,
      );
    }
    return parsed.data;
  }

  return {
    baseUrl,
    request,
    async openStream(path, query, headers, signal) {
      try {
        return await fetchImpl(urlOf(path, query), {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers },
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        throw unreachableError(error, baseUrl, defaultTimeoutMs, unreachableAdvice);
      }
    },
    unreachable: (error) => unreachableError(error, baseUrl, defaultTimeoutMs, unreachableAdvice),
  };
}
