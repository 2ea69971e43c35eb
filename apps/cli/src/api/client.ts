import { randomUUID } from 'node:crypto';
import {
  type CreateServerRequest,
  type EventsPage,
  errorBodySchema,
  eventsPageSchema,
  type Job,
  jobSchema,
  type Server,
  type ServerAction,
  type ServerList,
  serverListSchema,
  serverSchema,
  type TokenScope,
} from '@guildserver/contracts';
import { type GameSummary, gameSummarySchema } from '@guildserver/games';
import { ApiError, ApiUnreachableError } from '../errors.js';
import type { ApiTarget } from './target.js';

/** What every accepted change answers: the server as it is now and the queued job. */
export interface Accepted {
  server: Server;
  jobId: string;
}

/** A schema from packages/contracts, or anything else that parses a body into T. */
interface Parser<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

const accepted: Parser<Accepted> = {
  safeParse(value) {
    const body = value as { server?: unknown; jobId?: unknown } | null;
    const server = serverSchema.safeParse(body?.server);
    if (!server.success || typeof body?.jobId !== 'string') return { success: false };
    return { success: true, data: { server: server.data, jobId: body.jobId } };
  },
};

const gameList: Parser<{ games: GameSummary[] }> = {
  safeParse(value) {
    const list = (value as { games?: unknown } | null)?.games;
    if (!Array.isArray(list)) return { success: false };
    const games: GameSummary[] = [];
    for (const item of list) {
      const game = gameSummarySchema.safeParse(item);
      if (!game.success) return { success: false };
      games.push(game.data);
    }
    return { success: true, data: { games } };
  },
};

/** POST /v1/tokens is young: take any object that carries the token. */
export interface CreatedToken {
  token: string;
  id?: string;
  name?: string;
  scopes?: string[];
  [key: string]: unknown;
}
const createdToken: Parser<CreatedToken> = {
  safeParse(value) {
    const body = value as CreatedToken | null;
    return typeof body?.token === 'string' ? { success: true, data: body } : { success: false };
  },
};

/** A token as GET /v1/tokens lists it (never the token itself). */
export interface TokenSummary {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
}
const isTokenSummary = (value: unknown): value is TokenSummary => {
  const t = value as TokenSummary | null;
  return (
    typeof t?.id === 'string' &&
    typeof t.name === 'string' &&
    Array.isArray(t.scopes) &&
    typeof t.createdAt === 'string' &&
    (t.revokedAt === null || typeof t.revokedAt === 'string')
  );
};
const tokenSummary: Parser<TokenSummary> = {
  safeParse: (value) => (isTokenSummary(value) ? { success: true, data: value } : { success: false }),
};
const tokenList: Parser<TokenSummary[]> = {
  safeParse(value) {
    const list = (value as { tokens?: unknown } | null)?.tokens;
    return Array.isArray(list) && list.every(isTokenSummary)
      ? { success: true, data: list }
      : { success: false };
  },
};

export type QuotaScope = 'guild' | 'user';
export interface QuotaLimits {
  maxServers: number;
  maxCores: number;
  maxMemoryMiB: number;
}
/** GET/PUT /v1/quotas/{scope}/{id}: what is stored (null: the default applies), what is in force, what is used. */
export interface Quota {
  scope: QuotaScope;
  id: string;
  override: { [K in keyof QuotaLimits]: number | null };
  effective: QuotaLimits;
  usage: { servers: number; cores: number; memoryMiB: number };
  updatedAt: string | null;
}
const LIMIT_KEYS = ['maxServers', 'maxCores', 'maxMemoryMiB'] as const;
const quota: Parser<Quota> = {
  safeParse(value) {
    const q = value as Quota | null;
    const ok =
      (q?.scope === 'guild' || q?.scope === 'user') &&
      typeof q.id === 'string' &&
      LIMIT_KEYS.every(
        (key) =>
          typeof q.effective?.[key] === 'number' &&
          (q.override?.[key] === null || typeof q.override?.[key] === 'number'),
      ) &&
      ['servers', 'cores', 'memoryMiB'].every(
        (key) => typeof q.usage?.[key as keyof Quota['usage']] === 'number',
      );
    return ok ? { success: true, data: q } : { success: false };
  },
};

interface RequestOptions<T> {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  parse: Parser<T>;
}

const REQUEST_TIMEOUT_MS = 30_000;
/** Connection failures a POST or DELETE is retried after; the Idempotency-Key makes that safe. */
const WRITE_ATTEMPTS = 3;

export interface ApiClient {
  readonly baseUrl: string;
  games(): Promise<GameSummary[]>;
  createServer(request: CreateServerRequest): Promise<Accepted>;
  listServers(query: {
    guildId?: string;
    ownerId?: string;
    cursor?: string;
    limit?: number;
  }): Promise<ServerList>;
  getServer(id: string): Promise<Server>;
  act(id: string, action: ServerAction | 'retry'): Promise<Accepted>;
  deleteServer(id: string): Promise<Accepted>;
  job(id: string): Promise<Job>;
  events(query: { after: number; serverId?: string; limit?: number }): Promise<EventsPage>;
  createToken(name: string, scopes: TokenScope[]): Promise<CreatedToken>;
  listTokens(): Promise<TokenSummary[]>;
  revokeToken(id: string): Promise<TokenSummary>;
  quota(scope: QuotaScope, id: string): Promise<Quota>;
  /** Replaces the stored limits: a null (or left-out) limit falls back to the default. */
  setQuota(scope: QuotaScope, id: string, limits: Quota['override']): Promise<Quota>;
  /** The raw response of a streaming GET (the event stream); the caller owns its body. */
  openStream(path: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response>;
}

export function createApiClient(target: ApiTarget, fetchImpl: typeof fetch = fetch): ApiClient {
  const { baseUrl, token } = target;

  const urlOf = (path: string, query: RequestOptions<unknown>['query'] = {}) => {
    const url = new URL(`${baseUrl}${path}`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  };

  async function send(method: string, url: URL, init: RequestInit): Promise<Response> {
    try {
      return await fetchImpl(url, { method, ...init });
    } catch (error) {
      if ((error as Error).name === 'AbortError' && init.signal?.aborted && !isTimeout(init.signal))
        throw error;
      throw unreachable(baseUrl, error);
    }
  }

  async function request<T>(method: string, path: string, options: RequestOptions<T>): Promise<T> {
    const url = urlOf(path, options.query);
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const writes = method === 'POST' || method === 'DELETE';
    if (writes) headers['idempotency-key'] = randomUUID();
    let response: Response | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await send(method, url, {
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        break;
      } catch (error) {
        if (!(error instanceof ApiUnreachableError) || !writes || attempt >= WRITE_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
      }
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const failure = errorBodySchema.safeParse(body);
      if (failure.success)
        throw new ApiError(failure.data.error.code, failure.data.error.message, response.status);
      // Not our API's error shape: a proxy, another program on that port, or an API older or newer than us.
      throw new ApiError(
        `http_${response.status}`,
        `The API at ${baseUrl} answered ${method} ${path} with HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}; is API_URL pointing at GuildServer's API?`,
        response.status,
      );
    }
    const parsed = options.parse.safeParse(body);
    if (!parsed.success) {
      throw new ApiError(
        'unexpected_response',
        `The API at ${baseUrl} answered ${method} ${path} with a body this gs does not understand; is API_URL pointing at GuildServer's API, of the same version?`,
        response.status,
      );
    }
    return parsed.data;
  }

  const enc = encodeURIComponent;
  return {
    baseUrl,
    games: async () => (await request('GET', '/v1/games', { parse: gameList })).games,
    createServer: (body) => request('POST', '/v1/servers', { body, parse: accepted }),
    listServers: (query) => request('GET', '/v1/servers', { query, parse: serverListSchema }),
    getServer: (id) => request('GET', `/v1/servers/${enc(id)}`, { parse: serverSchema }),
    act: (id, action) => request('POST', `/v1/servers/${enc(id)}/${action}`, { parse: accepted }),
    deleteServer: (id) => request('DELETE', `/v1/servers/${enc(id)}`, { parse: accepted }),
    job: (id) => request('GET', `/v1/jobs/${enc(id)}`, { parse: jobSchema }),
    events: (query) => request('GET', '/v1/events', { query, parse: eventsPageSchema }),
    createToken: (name, scopes) =>
      request('POST', '/v1/tokens', { body: { name, scopes }, parse: createdToken }),
    listTokens: () => request('GET', '/v1/tokens', { parse: tokenList }),
    revokeToken: (id) => request('DELETE', `/v1/tokens/${enc(id)}`, { parse: tokenSummary }),
    quota: (scope, id) => request('GET', `/v1/quotas/${scope}/${enc(id)}`, { parse: quota }),
    setQuota: (scope, id, limits) =>
      request('PUT', `/v1/quotas/${scope}/${enc(id)}`, { body: limits, parse: quota }),
    openStream: (path, headers, signal) =>
      send('GET', urlOf(path), {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers },
        signal,
      }),
  };
}

/** Reads an error body from a non-2xx streaming response. */
export async function errorOf(response: Response, baseUrl: string, path: string): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const failure = errorBodySchema.safeParse(body);
  if (failure.success)
    return new ApiError(failure.data.error.code, failure.data.error.message, response.status);
  return new ApiError(
    `http_${response.status}`,
    `The API at ${baseUrl} answered GET ${path} with HTTP ${response.status}.`,
    response.status,
  );
}

const isTimeout = (signal: AbortSignal) => (signal.reason as Error | undefined)?.name === 'TimeoutError';

/** One sentence naming API_URL and why nothing sensible answers there. */
export function unreachable(baseUrl: string, error: unknown): ApiUnreachableError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  const name = (error as Error).name;
  const why =
    name === 'TimeoutError' || name === 'AbortError'
      ? `it did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`
      : code === 'ECONNREFUSED'
        ? 'nothing is listening there'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'its host name does not resolve'
          : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET'
            ? 'the connection was cut'
            : code?.startsWith('ERR_TLS') || code?.includes('CERT')
              ? 'its TLS certificate is not trusted'
              : `the connection failed (${code ?? cause?.message ?? (error as Error).message})`;
  return new ApiUnreachableError(
    `Cannot reach the GuildServer API at ${baseUrl} (API_URL): ${why}; start it with \`bash scripts/start.sh\` or set API_URL to where it runs.`,
  );
}
