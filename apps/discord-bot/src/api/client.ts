// The bot's HTTP client for the GuildServer API: bearer token, the Discord user it acts for, time-outs, and
// every failure turned into an ApiError carrying a stable code (the API's own, or one of ours).
import {
  ACTING_GUILD_ADMIN_HEADER,
  ACTING_USER_HEADER,
  type CreateServerRequest,
  type ErrorCode,
  type EventsPage,
  errorBodySchema,
  eventsPageSchema,
  type Job,
  jobSchema,
  type Server,
  type ServerAction,
  type ServerCredentials,
  type ServerList,
  serverCredentialsSchema,
  serverListSchema,
  serverSchema,
} from '@guildserver/contracts';
import { z } from 'zod';

/** The API's codes plus what can go wrong before an answer arrives. */
export type ApiErrorCode = ErrorCode | 'api_unreachable' | 'api_timeout' | 'bad_response';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Whom a request acts for: the Discord user, and the guild in which the bot vouches they are an admin. */
export interface Acting {
  userId: string;
  adminOfGuild?: string;
}

export interface Accepted {
  server: Server;
  jobId: string;
}

/** What the bot needs of a game; the catalog carries more, read leniently so new fields never break us. */
export const gameSchema = z.object({
  id: z.string(),
  name: z.string(),
  defaultSize: z.object({ cores: z.number(), memory: z.number(), disk: z.number() }),
  minimumSize: z.object({ cores: z.number(), memory: z.number(), disk: z.number() }),
});
export type Game = z.infer<typeof gameSchema>;
const gamesSchema = z.object({ games: z.array(gameSchema) });
const acceptedSchema = z.object({ server: serverSchema, jobId: z.string() });

export interface CallOptions {
  acting?: Acting;
  /** Give up after this long (default 15 s; autocomplete uses far less). */
  timeoutMs?: number;
  /** Sent as Idempotency-Key on writes, so a retried interaction never queues a second job. */
  idempotencyKey?: string;
}

export interface ApiClient {
  readonly baseUrl: string;
  games(options?: CallOptions): Promise<Game[]>;
  listServers(
    query: { guildId: string; ownerId?: string; cursor?: string; limit?: number },
    options?: CallOptions,
  ): Promise<ServerList>;
  getServer(id: string, options?: CallOptions): Promise<Server>;
  /** The passwords generated for a server (owner, guild admins and admin tokens only). */
  serverCredentials(id: string, options?: CallOptions): Promise<ServerCredentials>;
  createServer(request: CreateServerRequest, options?: CallOptions): Promise<Accepted>;
  act(id: string, action: ServerAction, options?: CallOptions): Promise<Accepted>;
  deleteServer(id: string, options?: CallOptions): Promise<Accepted>;
  job(id: string, options?: CallOptions): Promise<Job>;
  events(after: number, limit: number, options?: CallOptions): Promise<EventsPage>;
  /** The raw streaming response of GET /v1/events/stream; the caller owns its body. */
  openEventStream(after: number, signal: AbortSignal): Promise<Response>;
}

const DEFAULT_TIMEOUT_MS = 15_000;

interface Parser<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

export function createApiClient(baseUrl: string, token: string, fetchImpl: typeof fetch = fetch): ApiClient {
  function headersOf(options: CallOptions, json: boolean): Record<string, string> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (json) headers['content-type'] = 'application/json';
    if (options.acting) {
      headers[ACTING_USER_HEADER] = options.acting.userId;
      if (options.acting.adminOfGuild) headers[ACTING_GUILD_ADMIN_HEADER] = options.acting.adminOfGuild;
    }
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    return headers;
  }

  async function call<T>(
    method: string,
    path: string,
    parser: Parser<T>,
    options: CallOptions = {},
    body?: unknown,
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}${path}`, {
        method,
        headers: headersOf(options, body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new ApiError('api_timeout', `The API did not answer ${method} ${path} within ${timeoutMs} ms.`);
      }
      throw new ApiError('api_unreachable', `The API at ${baseUrl} could not be reached: ${String(error)}`);
    }
    let payload: unknown;
    try {
      payload = await response.json();
    } catch {
      payload = undefined;
    }
    if (!response.ok) {
      const parsed = errorBodySchema.safeParse(payload);
      if (parsed.success)
        throw new ApiError(parsed.data.error.code, parsed.data.error.message, response.status);
      throw new ApiError(
        response.status >= 500 ? 'internal' : 'bad_response',
        `The API answered ${method} ${path} with HTTP ${response.status}.`,
        response.status,
      );
    }
    const parsed = parser.safeParse(payload);
    if (!parsed.success) {
      throw new ApiError('bad_response', `The API answered ${method} ${path} with an unexpected body.`);
    }
    return parsed.data;
  }

  const query = (values: Record<string, string | number | undefined>) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(values))
      if (value !== undefined) params.set(key, String(value));
    return params.size > 0 ? `?${params}` : '';
  };
  const id = (value: string) => encodeURIComponent(value);

  return {
    baseUrl,
    games: async (options) => (await call('GET', '/v1/games', gamesSchema, options)).games,
    listServers: (q, options) =>
      call(
        'GET',
        `/v1/servers${query({ guildId: q.guildId, ownerId: q.ownerId, cursor: q.cursor, limit: q.limit })}`,
        serverListSchema,
        options,
      ),
    getServer: (serverId, options) => call('GET', `/v1/servers/${id(serverId)}`, serverSchema, options),
    serverCredentials: (serverId, options) =>
      call('GET', `/v1/servers/${id(serverId)}/credentials`, serverCredentialsSchema, options),
    createServer: (request, options) => call('POST', '/v1/servers', acceptedSchema, options, request),
    act: (serverId, action, options) =>
      call('POST', `/v1/servers/${id(serverId)}/${action}`, acceptedSchema, options, {}),
    deleteServer: (serverId, options) =>
      call('DELETE', `/v1/servers/${id(serverId)}`, acceptedSchema, options),
    job: (jobId, options) => call('GET', `/v1/jobs/${id(jobId)}`, jobSchema, options),
    events: (after, limit, options) =>
      call('GET', `/v1/events${query({ after, limit })}`, eventsPageSchema, options),
    async openEventStream(after, signal) {
      try {
        return await fetchImpl(`${baseUrl}/v1/events/stream?after=${after}`, {
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'text/event-stream',
            'last-event-id': String(after),
          },
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        throw new ApiError('api_unreachable', `The API event stream could not be opened: ${String(error)}`);
      }
    },
  };
}
