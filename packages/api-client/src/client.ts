// The typed calls of the API the bot and `gs` make, each answer parsed with its schema from
// @guildserver/contracts (or the games catalog's).
import {
  type Backup,
  type BackupList,
  backupListSchema,
  backupSchema,
  type Capacity,
  type CopyRequest,
  type CreateBackupRequest,
  type CreatedToken,
  type CreateScheduleRequest,
  type CreateServerRequest,
  capacitySchema,
  createdTokenSchema,
  type EdgeReport,
  type EdgeStatus,
  type EventsPage,
  edgeStatusSchema,
  eventsPageSchema,
  type ForwardingTable,
  forwardingTableSchema,
  type GuildSettings,
  guildSettingsSchema,
  type ImageBuild,
  type ImageBuildRequest,
  type ImageBuildsQueued,
  type ImageList,
  imageBuildSchema,
  imageBuildsQueuedSchema,
  imageListSchema,
  type Job,
  jobSchema,
  type PoolStatus,
  poolStatusSchema,
  type Quota,
  type QuotaScope,
  quotaSchema,
  type Schedule,
  type ScheduleList,
  type Server,
  type ServerAction,
  type ServerCredentials,
  type ServerList,
  scheduleListSchema,
  scheduleSchema,
  serverCredentialsSchema,
  serverListSchema,
  serverSchema,
  type TokenScope,
  type TokenSummary,
  tokenListSchema,
  tokenSummarySchema,
  type UpdateGuildSettingsRequest,
  type WakeAnswer,
  type WakeRequest,
  wakeAnswerSchema,
} from '@guildserver/contracts';
import { type GameSummary, gameSummarySchema } from '@guildserver/games';
import { z } from 'zod';
import {
  type FollowGenerationsOptions,
  type FollowOptions,
  followEdgeGenerations,
  followEvents,
} from './follow-events.js';
import { type ApiClientOptions, type CallOptions, createHttp } from './http.js';

/** What every accepted change answers: the server as it is now and the queued job. */
export const acceptedSchema = z.object({ server: serverSchema, jobId: z.string() });
export type Accepted = z.infer<typeof acceptedSchema>;

const gameListSchema = z.object({ games: z.array(gameSummarySchema) });

export interface ServerListQuery {
  guildId?: string;
  ownerId?: string;
  cursor?: string;
  limit?: number;
}

export interface EventsQuery {
  after: number;
  serverId?: string;
  limit?: number;
}

export interface ApiClient {
  readonly baseUrl: string;
  games(options?: CallOptions): Promise<GameSummary[]>;
  listServers(query: ServerListQuery, options?: CallOptions): Promise<ServerList>;
  getServer(id: string, options?: CallOptions): Promise<Server>;
  /** The passwords generated for a server (owner, guild admins and admin tokens only). */
  serverCredentials(id: string, options?: CallOptions): Promise<ServerCredentials>;
  createServer(request: CreateServerRequest, options?: CallOptions): Promise<Accepted>;
  act(id: string, action: ServerAction | 'retry', options?: CallOptions): Promise<Accepted>;
  /** The owner's idle sleep for the server (`off`, `2h`); null: the guild's. */
  setIdleSleep(id: string, after: string | null, options?: CallOptions): Promise<Server>;
  /** A final backup is made first unless `finalBackup` is false. */
  deleteServer(id: string, options?: CallOptions & { finalBackup?: boolean }): Promise<Accepted>;
  /** The server's backups as Proxmox lists them, newest first, with the guild's backup quota. */
  backups(serverId: string, options?: CallOptions): Promise<BackupList>;
  backUp(serverId: string, request: CreateBackupRequest, options?: CallOptions): Promise<Accepted>;
  /** Restores one of the server's backups over its VM (a backup of the current world is made first). */
  restoreBackup(serverId: string, backupId: string, options?: CallOptions): Promise<Accepted>;
  /** Pins (`protected`) or unpins a backup. */
  pinBackup(serverId: string, backupId: string, pinned: boolean, options?: CallOptions): Promise<Backup>;
  deleteBackup(serverId: string, backupId: string, options?: CallOptions): Promise<Backup>;
  /** A new server (another name, same game and size) from one of this server's backups. */
  copyBackup(serverId: string, request: CopyRequest, options?: CallOptions): Promise<Accepted>;
  /** Brings a deleted server back from its final backup (its newest, or the one named). */
  undelete(serverId: string, backupId?: string, options?: CallOptions): Promise<Accepted>;
  /** The server's schedules with their next and last runs. */
  schedules(serverId: string, options?: CallOptions): Promise<ScheduleList>;
  addSchedule(serverId: string, request: CreateScheduleRequest, options?: CallOptions): Promise<Schedule>;
  removeSchedule(serverId: string, scheduleId: string, options?: CallOptions): Promise<Schedule>;
  /** The guild's settings (its admins, admin and read tokens). */
  guildSettings(guildId: string, options?: CallOptions): Promise<GuildSettings>;
  updateGuildSettings(
    guildId: string,
    update: UpdateGuildSettingsRequest,
    options?: CallOptions,
  ): Promise<GuildSettings>;
  job(id: string, options?: CallOptions): Promise<Job>;
  events(query: EventsQuery, options?: CallOptions): Promise<EventsPage>;
  /** Follows the event stream, reconnecting with Last-Event-ID: see followEvents. */
  followEvents(options: FollowOptions): Promise<'aborted' | 'unsupported'>;
  createToken(name: string, scopes: TokenScope[]): Promise<CreatedToken>;
  listTokens(): Promise<TokenSummary[]>;
  /** The game images Proxmox holds and each game's recipe (admin tokens). */
  images(): Promise<ImageList>;
  /** Queues builds of a game's image, or every game's (admin tokens). */
  buildImages(request: ImageBuildRequest): Promise<ImageBuildsQueued>;
  imageBuild(id: string, options?: CallOptions): Promise<ImageBuild>;
  /** The warm pool: spare VMs per game, made from its image (admin tokens). */
  pool(): Promise<PoolStatus>;
  /** Per node: what servers that are up hold, and what sleeping and stopped ones gave back (admin). */
  capacity(): Promise<Capacity>;
  revokeToken(id: string): Promise<TokenSummary>;
  quota(scope: QuotaScope, id: string): Promise<Quota>;
  /** Replaces the stored limits: a null (or left-out) limit falls back to the default. */
  setQuota(scope: QuotaScope, id: string, limits: Quota['override']): Promise<Quota>;
  /** What the edge should forward now (edge and admin tokens). */
  forwardingTable(options?: CallOptions): Promise<ForwardingTable>;
  /** The edge's report after each read of the table; answers every edge as the API knows it. */
  reportEdge(report: EdgeReport, options?: CallOptions): Promise<EdgeStatus>;
  /** A player's join attempt at a sleeping server's port (edge tokens): the API wakes it, rate-limited. */
  wakeForJoin(request: WakeRequest, options?: CallOptions): Promise<WakeAnswer>;
  edgeStatus(options?: CallOptions): Promise<EdgeStatus>;
  /** Follows the forwarding table's generations, reconnecting: see followEdgeGenerations. */
  followEdgeGenerations(options: FollowGenerationsOptions): Promise<'aborted' | 'unsupported'>;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const http = createHttp(options);
  const { request } = http;
  const id = encodeURIComponent;
  return {
    baseUrl: http.baseUrl,
    games: async (call) => (await request('GET', '/v1/games', { ...call, parse: gameListSchema })).games,
    listServers: (query, call) =>
      request('GET', '/v1/servers', { ...call, query: { ...query }, parse: serverListSchema }),
    getServer: (serverId, call) =>
      request('GET', `/v1/servers/${id(serverId)}`, { ...call, parse: serverSchema }),
    serverCredentials: (serverId, call) =>
      request('GET', `/v1/servers/${id(serverId)}/credentials`, { ...call, parse: serverCredentialsSchema }),
    createServer: (body, call) => request('POST', '/v1/servers', { ...call, body, parse: acceptedSchema }),
    act: (serverId, action, call) =>
      request('POST', `/v1/servers/${id(serverId)}/${action}`, { ...call, parse: acceptedSchema }),
    setIdleSleep: (serverId, after, call) =>
      request('PUT', `/v1/servers/${id(serverId)}/idle-sleep`, {
        ...call,
        body: { after },
        parse: serverSchema,
      }),
    deleteServer: (serverId, call = {}) => {
      const { finalBackup, ...rest } = call;
      const query = finalBackup === false ? { finalBackup: 'false' } : {};
      return request('DELETE', `/v1/servers/${id(serverId)}`, { ...rest, query, parse: acceptedSchema });
    },
    backups: (serverId, call) =>
      request('GET', `/v1/servers/${id(serverId)}/backups`, { ...call, parse: backupListSchema }),
    backUp: (serverId, body, call) =>
      request('POST', `/v1/servers/${id(serverId)}/backups`, { ...call, body, parse: acceptedSchema }),
    restoreBackup: (serverId, backupId, call) =>
      request('POST', `/v1/servers/${id(serverId)}/restore`, {
        ...call,
        body: { backupId },
        parse: acceptedSchema,
      }),
    pinBackup: (serverId, backupId, pinned, call) =>
      request('PATCH', `/v1/servers/${id(serverId)}/backups/${id(backupId)}`, {
        ...call,
        body: { protected: pinned },
        parse: backupSchema,
      }),
    copyBackup: (serverId, body, call) =>
      request('POST', `/v1/servers/${id(serverId)}/copy`, { ...call, body, parse: acceptedSchema }),
    undelete: (serverId, backupId, call) =>
      request('POST', `/v1/servers/${id(serverId)}/undelete`, {
        ...call,
        body: backupId === undefined ? {} : { backupId },
        parse: acceptedSchema,
      }),
    schedules: (serverId, call) =>
      request('GET', `/v1/servers/${id(serverId)}/schedules`, { ...call, parse: scheduleListSchema }),
    addSchedule: (serverId, body, call) =>
      request('POST', `/v1/servers/${id(serverId)}/schedules`, { ...call, body, parse: scheduleSchema }),
    removeSchedule: (serverId, scheduleId, call) =>
      request('DELETE', `/v1/servers/${id(serverId)}/schedules/${id(scheduleId)}`, {
        ...call,
        parse: scheduleSchema,
      }),
    guildSettings: (guildId, call) =>
      request('GET', `/v1/guilds/${id(guildId)}/settings`, { ...call, parse: guildSettingsSchema }),
    updateGuildSettings: (guildId, body, call) =>
      request('PATCH', `/v1/guilds/${id(guildId)}/settings`, { ...call, body, parse: guildSettingsSchema }),
    deleteBackup: (serverId, backupId, call) =>
      request('DELETE', `/v1/servers/${id(serverId)}/backups/${id(backupId)}`, {
        ...call,
        parse: backupSchema,
      }),
    job: (jobId, call) => request('GET', `/v1/jobs/${id(jobId)}`, { ...call, parse: jobSchema }),
    events: (query, call) =>
      request('GET', '/v1/events', { ...call, query: { ...query }, parse: eventsPageSchema }),
    followEvents: (follow) => followEvents(http, follow),
    createToken: (name, scopes) =>
      request('POST', '/v1/tokens', { body: { name, scopes }, parse: createdTokenSchema }),
    listTokens: async () => (await request('GET', '/v1/tokens', { parse: tokenListSchema })).tokens,
    images: () => request('GET', '/v1/images', { parse: imageListSchema }),
    buildImages: (body) => request('POST', '/v1/images', { body, parse: imageBuildsQueuedSchema }),
    imageBuild: (buildId, call) =>
      request('GET', `/v1/images/builds/${id(buildId)}`, { ...call, parse: imageBuildSchema }),
    pool: () => request('GET', '/v1/pool', { parse: poolStatusSchema }),
    capacity: () => request('GET', '/v1/capacity', { parse: capacitySchema }),
    revokeToken: (tokenId) => request('DELETE', `/v1/tokens/${id(tokenId)}`, { parse: tokenSummarySchema }),
    quota: (scope, subject) => request('GET', `/v1/quotas/${scope}/${id(subject)}`, { parse: quotaSchema }),
    setQuota: (scope, subject, limits) =>
      request('PUT', `/v1/quotas/${scope}/${id(subject)}`, { body: limits, parse: quotaSchema }),
    forwardingTable: (call) =>
      request('GET', '/v1/edge/forwarding', { ...call, parse: forwardingTableSchema }),
    wakeForJoin: (body, call) => request('POST', '/v1/edge/wake', { ...call, body, parse: wakeAnswerSchema }),
    reportEdge: (report, call) =>
      request('PUT', '/v1/edge/status', { ...call, body: report, parse: edgeStatusSchema }),
    edgeStatus: (call) => request('GET', '/v1/edge/status', { ...call, parse: edgeStatusSchema }),
    followEdgeGenerations: (follow) => followEdgeGenerations(http, follow),
  };
}
