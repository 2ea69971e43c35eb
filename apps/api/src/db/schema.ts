// The API's SQLite tables. Change this file, then `pnpm --filter @guildserver/api db:generate` writes a migration.
import {
  IMAGE_BUILD_REASONS,
  JOB_KINDS,
  JOB_STATES,
  POOL_MODES,
  POOL_VM_STATES,
  PORT_PROTOCOLS,
  SCHEDULE_ACTIONS,
  SERVER_STATES,
  STEP_STATES,
} from '@guildserver/contracts';
import { PORT_PURPOSES } from '@guildserver/games';
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { STEP_NAMES } from '../domain/plans.js';

// `enum` types the columns for TypeScript only: SQLite keeps them plain TEXT, so no migration follows.

export const servers = sqliteTable(
  'servers',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    game: text('game').notNull(),
    guildId: text('guild_id').notNull(),
    ownerId: text('owner_id').notNull(),
    channelId: text('channel_id').notNull(),
    state: text('state', { enum: SERVER_STATES }).notNull(),
    cores: integer('cores').notNull(),
    memoryMiB: integer('memory_mib').notNull(),
    diskGiB: integer('disk_gib').notNull(),
    vmid: integer('vmid'),
    node: text('node'),
    ipv4: text('ipv4'),
    /**
     * Set while the server's ports belong in the edge's forwarding table: the event id (generation) at which
     * they were published, so a job can wait for an edge to report that generation applied.
     */
    publishedGeneration: integer('published_generation'),
    playersOnline: integer('players_online'),
    playersMax: integer('players_max'),
    /** When the player monitor last asked the game (monitor/player-monitor.ts). */
    playersCheckedAt: text('players_checked_at'),
    /**
     * The game's own version as the player monitor last heard it (OpenTTD's revision "13.0"); kept while it sleeps,
     * so the edge answers with it and a server list that compares versions offers the join.
     */
    gameVersion: text('game_version'),
    /** The last time a player was seen on the server (by the monitor, a job's check or the game's own report). */
    lastPlayerAt: text('last_player_at'),
    /** Since when the running server has had no players; null while players are on, or it is not running. */
    idleSince: text('idle_since'),
    /** The edges' packet count for it (summed) and when they reported it, at the monitor's last check. */
    trafficPackets: integer('traffic_packets'),
    trafficAt: text('traffic_at'),
    /** When it last came up (a job that started it finished): the idle sleep's minimum awake time counts from it. */
    awakeSince: text('awake_since'),
    /** Its owner's idle-sleep (`off` or `30m`); null: the guild's (domain/sleep-policy.ts). */
    idleSleep: text('idle_sleep'),
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    failureStep: text('failure_step'),
    currentJobId: text('current_job_id'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    deletedAt: text('deleted_at'),
  },
  (t) => [
    // A name is unique in its guild among servers that still exist.
    uniqueIndex('servers_guild_name_live').on(t.guildId, t.name).where(sql`deleted_at IS NULL`),
    index('servers_guild').on(t.guildId, t.id),
    index('servers_owner').on(t.ownerId, t.id),
  ],
);

export type ServerRow = typeof servers.$inferSelect;

/**
 * What the player monitor found, one row per server per check: the history behind "peak today" and later charts.
 * `online` is null when the game answered without a count, and with `up` false when it did not answer at all.
 * Kept PLAYER_SAMPLE_DAYS (monitor/player-monitor.ts).
 */
export const playerSamples = sqliteTable(
  'player_samples',
  {
    serverId: text('server_id').notNull(),
    at: text('at').notNull(),
    up: integer('up', { mode: 'boolean' }).notNull(),
    online: integer('online'),
    max: integer('max'),
  },
  (t) => [primaryKey({ columns: [t.serverId, t.at] }), index('player_samples_at').on(t.at)],
);

/**
 * A VM id is ours while its row exists; deleting the row releases it. Its holder is a server's id, or
 * `image:<build id>` for a game image (`imageHolder`), held from the build's request until the image is removed.
 */
export const vmIds = sqliteTable('vm_ids', {
  vmid: integer('vmid').primaryKey(),
  serverId: text('server_id').notNull(),
  reservedAt: text('reserved_at').notNull(),
});

/**
 * Ports on HOST_EXTERNAL: unique per port and protocol while allocated. Each row is one of the server's game's
 * published ports (`GamePort` of @guildserver/games): its catalog `purpose` and 1-based `index` among the
 * game's ports of that purpose, so a server holds each purpose, index and protocol once.
 */
export const ports = sqliteTable(
  'ports',
  {
    port: integer('port').notNull(),
    protocol: text('protocol', { enum: PORT_PROTOCOLS }).notNull(),
    serverId: text('server_id').notNull(),
    purpose: text('purpose', { enum: PORT_PURPOSES }).notNull(),
    index: integer('index').notNull(),
    guestPort: integer('guest_port').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.port, t.protocol] }),
    index('ports_server').on(t.serverId),
    uniqueIndex('ports_server_slot').on(t.serverId, t.purpose, t.index, t.protocol),
  ],
);

export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    serverId: text('server_id').notNull(),
    kind: text('kind', { enum: JOB_KINDS }).notNull(),
    state: text('state', { enum: JOB_STATES }).notNull(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    errorStep: text('error_step'),
    log: text('log'),
    /** What the job was asked to do beyond its kind, JSON (`JobParams`): the backup to restore, its reason… */
    params: text('params'),
    requestedBy: text('requested_by'),
    createdAt: text('created_at').notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
  },
  (t) => [index('jobs_server').on(t.serverId, t.createdAt)],
);

export const jobSteps = sqliteTable(
  'job_steps',
  {
    jobId: text('job_id').notNull(),
    position: integer('position').notNull(),
    name: text('name', { enum: STEP_NAMES }).notNull(),
    title: text('title').notNull(),
    state: text('state', { enum: STEP_STATES }).notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
    detail: text('detail'),
    error: text('error'),
    /** What the step learned (e.g. the clone's UPID), so a resumed step picks up instead of redoing. */
    memo: text('memo'),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.position] })],
);

export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    type: text('type').notNull(),
    serverId: text('server_id'),
    jobId: text('job_id'),
    guildId: text('guild_id'),
    ownerId: text('owner_id'),
    channelId: text('channel_id'),
    message: text('message').notNull(),
    data: text('data').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('events_guild').on(t.guildId, t.id), index('events_server').on(t.serverId, t.id)],
);

export const apiTokens = sqliteTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** SHA-256 of the token; the token itself is shown once, at creation. */
  hash: text('hash').notNull().unique(),
  scopes: text('scopes').notNull(),
  createdAt: text('created_at').notNull(),
  lastUsedAt: text('last_used_at'),
  revokedAt: text('revoked_at'),
});

export const quotas = sqliteTable(
  'quotas',
  {
    scope: text('scope').notNull(),
    subjectId: text('subject_id').notNull(),
    maxServers: integer('max_servers'),
    maxCores: integer('max_cores'),
    maxMemoryMiB: integer('max_memory_mib'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.subjectId] })],
);

export const webhooks = sqliteTable('webhooks', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  secret: text('secret').notNull(),
  /** Comma-separated event types, or `*`. */
  eventTypes: text('event_types').notNull(),
  guildId: text('guild_id'),
  active: integer('active', { mode: 'boolean' }).notNull(),
  /** Highest event id handed to this webhook's delivery queue. */
  cursor: integer('cursor').notNull(),
  createdAt: text('created_at').notNull(),
});

export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    webhookId: text('webhook_id').notNull(),
    eventId: integer('event_id').notNull(),
    attempt: integer('attempt').notNull(),
    state: text('state').notNull(),
    responseStatus: integer('response_status'),
    error: text('error'),
    createdAt: text('created_at').notNull(),
    nextAttemptAt: text('next_attempt_at'),
    deliveredAt: text('delivered_at'),
  },
  (t) => [uniqueIndex('deliveries_webhook_event_attempt').on(t.webhookId, t.eventId, t.attempt)],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull(),
    tokenId: text('token_id'),
    actorUserId: text('actor_user_id'),
    guildId: text('guild_id'),
    action: text('action').notNull(),
    serverId: text('server_id'),
    detail: text('detail'),
  },
  (t) => [index('audit_guild').on(t.guildId, t.id)],
);

/** A POST/DELETE's answer kept per token and Idempotency-Key, so a retried request is answered, not redone. */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    tokenId: text('token_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    status: integer('status').notNull(),
    body: text('body').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.key] })],
);

/** What each edge last reported (PUT /v1/edge/status): one row per edge name. */
export const edgeReports = sqliteTable('edge_reports', {
  name: text('name').primaryKey(),
  mode: text('mode').notNull(),
  snat: text('snat').notNull(),
  appliedGeneration: integer('applied_generation'),
  forwarded: integer('forwarded').notNull(),
  /** RefusedForward[] as JSON. */
  refused: text('refused').notNull(),
  problem: text('problem'),
  reportedAt: text('reported_at').notNull(),
});

/** What players sent to a server's published ports through one edge, cumulative since that edge started. */
export const edgeTraffic = sqliteTable(
  'edge_traffic',
  {
    edgeName: text('edge_name').notNull(),
    serverId: text('server_id').notNull(),
    packets: integer('packets').notNull(),
    bytes: integer('bytes').notNull(),
    reportedAt: text('reported_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.edgeName, t.serverId] }), index('edge_traffic_server').on(t.serverId)],
);

/** A server's recurring action; BullMQ's job schedulers run them and are rebuilt from these rows. */
export const schedules = sqliteTable(
  'schedules',
  {
    id: text('id').primaryKey(),
    serverId: text('server_id').notNull(),
    action: text('action', { enum: SCHEDULE_ACTIONS }).notNull(),
    /** `HH:MM` in the guild's time zone, or null with `every_hours`. */
    at: text('at'),
    everyHours: integer('every_hours'),
    createdBy: text('created_by'),
    createdAt: text('created_at').notNull(),
    lastRunAt: text('last_run_at'),
    lastOutcome: text('last_outcome', { enum: ['queued', 'skipped', 'failed'] }),
    lastJobId: text('last_job_id'),
    lastNote: text('last_note'),
    /** Set when a failure was announced, cleared by the next success: the owner hears of a failing schedule once. */
    failureAnnouncedAt: text('failure_announced_at'),
  },
  (t) => [index('schedules_server').on(t.serverId)],
);

export type ScheduleRow = typeof schedules.$inferSelect;

/** What a guild's admins set for their guild. */
export const guildSettings = sqliteTable('guild_settings', {
  guildId: text('guild_id').primaryKey(),
  timeZone: text('time_zone').notNull(),
  adminChannelId: text('admin_channel_id'),
  /** After how long without players its servers sleep (`off` or `30m`); null: IDLE_SLEEP_AFTER. */
  idleSleep: text('idle_sleep'),
  /** The longest idle-sleep owners may choose (`off`: any); null: the guild's idle-sleep. */
  idleSleepMax: text('idle_sleep_max'),
  updatedAt: text('updated_at').notNull(),
});

/**
 * A game image's build: a job of its own (images/image-build-plan.ts), its steps kept as JSON on the row (name,
 * title, state, times, detail, error, memo), so a resumed build skips what it finished.
 */
export const imageBuilds = sqliteTable(
  'image_builds',
  {
    id: text('id').primaryKey(),
    game: text('game').notNull(),
    state: text('state', { enum: JOB_STATES }).notNull(),
    reason: text('reason', { enum: IMAGE_BUILD_REASONS }).notNull(),
    node: text('node').notNull(),
    vmid: integer('vmid').notNull(),
    recipe: text('recipe').notNull(),
    steps: text('steps').notNull(),
    ipv4: text('ipv4'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    errorStep: text('error_step'),
    log: text('log'),
    requestedBy: text('requested_by'),
    createdAt: text('created_at').notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
  },
  (t) => [
    index('image_builds_game').on(t.game, t.createdAt),
    // One build of a game at a time.
    uniqueIndex('image_builds_game_unfinished').on(t.game).where(sql`state IN ('queued', 'running')`),
  ],
);

export type ImageBuildRow = typeof imageBuilds.$inferSelect;

/**
 * The warm pool: spare VMs of a game cloned from its image ahead of time (WARM_POOL), each holding its VM id in
 * `vm_ids` as `pool:<id>` until a create takes it (the id then moves to the server) or it is removed.
 */
export const poolVms = sqliteTable(
  'pool_vms',
  {
    id: text('id').primaryKey(),
    game: text('game').notNull(),
    state: text('state', { enum: POOL_VM_STATES }).notNull(),
    mode: text('mode', { enum: POOL_MODES }).notNull(),
    node: text('node').notNull(),
    vmid: integer('vmid').notNull(),
    /** The image it is cloned from, and that image's recipe. */
    imageVmid: integer('image_vmid').notNull(),
    recipe: text('recipe').notNull(),
    cores: integer('cores').notNull(),
    memoryMiB: integer('memory_mib').notNull(),
    diskGiB: integer('disk_gib').notNull(),
    /** What the making has done so far (the clone's task), so a maker that died is resumed. */
    memo: text('memo').notNull().default('{}'),
    serverId: text('server_id'),
    error: text('error'),
    failedAt: text('failed_at'),
    createdAt: text('created_at').notNull(),
    readyAt: text('ready_at'),
    claimedAt: text('claimed_at'),
  },
  (t) => [index('pool_vms_game_state').on(t.game, t.state, t.readyAt)],
);

export type PoolVmRow = typeof poolVms.$inferSelect;
