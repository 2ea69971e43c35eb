// The API's and workers' only reader of the environment: parsed once at start into a typed object.
import {
  booleanLiteral,
  ConfigError,
  type Env,
  hostName,
  httpUrl,
  integer,
  integerRange,
  loadProxmoxConfig,
  optional,
  type ProxmoxConfig,
  readEnv,
  redisUrl,
  withDefault,
  word,
} from '@guildserver/config';
import { POOL_MODES, type PoolMode, parseDuration } from '@guildserver/contracts';
import {
  type GameId,
  isGameId,
  LICENCE_IDS,
  type LicenceId,
  type Resources,
  resolveGameSizes,
  unknownGameMessage,
} from '@guildserver/games';
import type { PruneOptions } from '@guildserver/proxmox/retention';
import { z } from 'zod';

/**
 * QUOTA_COUNTS: `all` counts every live server's cores and memory; `awake` only those of servers whose VM is up
 * (stopped and sleeping ones hold no memory), and a start or wake that would pass a limit is refused.
 */
export type QuotaCounts = 'all' | 'awake';

export interface QuotasConfig {
  guild: QuotaLimits;
  user: QuotaLimits;
  counts: QuotaCounts;
}

export interface QuotaLimits {
  servers: number;
  cores: number;
  memoryMiB: number;
}

/** How GuildServer backs servers up (PROXMOX_BACKUP_STORAGE, BACKUP_*). */
export interface BackupConfig {
  /** A Proxmox storage whose content allows `backup`. */
  storage: string;
  mode: 'snapshot' | 'suspend' | 'stop';
  /** What a backup job keeps of the server's GuildServer backups (before-delete ones aside). */
  retention: PruneOptions;
  /** How long a deleted server's final backup is kept, so the delete can be undone. */
  keepDeletedDays: number;
  /** Per guild, over all its servers' GuildServer backups. */
  quota: { count: number; bytes: number };
}

export interface ApiConfig {
  host: string;
  port: number;
  databasePath: string;
  /** Undefined: the caller starts a local redis-server (the embedded default). */
  redisUrl?: string;
  /** Redis key prefix of the queue, so several stacks (or test runs) can share one Redis. */
  queuePrefix: string;
  proxmox: ProxmoxConfig;
  vmidRange: { first: number; last: number };
  portRange: { first: number; last: number };
  hostExternal: string;
  hostInternal?: string;
  gameSizes: Map<GameId, Resources>;
  quotas: QuotasConfig;
  rateLimitPerMinute: number;
  workerConcurrency: number;
  proxmoxLimits: { perNode: number; perStorage: number };
  /** `ansible` runs the playbooks; `simulated` stands in while Proxmox is the simulator (no real VM to reach). */
  gameRunner: 'ansible' | 'simulated';
  reconciler: { intervalSeconds: number; destroyOrphans: boolean; orphanGraceSeconds: number };
  /**
   * Where game servers report to the API (Luanti's `serverlist_url`): the API's `/v1/serverlist` as the VMs
   * reach it. Undefined: games are not told to report, and Luanti's player count stays unknown.
   */
  gameReportsUrl?: string;
  /**
   * The key per-server game secrets (Factorio's RCON password) are derived from. Undefined: the worker
   * generates one into `<data dir>/game-secrets.key` on first start and keeps using it.
   */
  gameSecretsKey?: string;
  /**
   * IMAGE_REBUILD_DAYS: a game image GuildServer built is built again once this old, so game and package updates
   * reach new servers (0: only when its recipe changes).
   */
  imageRebuildDays: number;
  /**
   * WARM_POOL, WARM_POOL_MODE: how many spare VMs of each game are kept made from its image (games without a
   * current image keep none), and whether they wait stopped (disk only) or booted (memory too; ready sooner).
   */
  warmPool: { sizes: ReadonlyMap<GameId, number>; mode: PoolMode };
  /** GAME_LICENSES_ACCEPTED: the licences the admin accepted for the games that need one (see packages/games). */
  licencesAccepted: ReadonlySet<LicenceId>;
  edge: EdgeConfig;
  backups: BackupConfig;
  monitor: MonitorConfig;
  logLevel: string;
}

/** Who plays: how often running servers' games are asked, and after how long without players a server is idle. */
export interface MonitorConfig {
  /** MONITOR_INTERVAL. */
  intervalMs: number;
  /**
   * IDLE_SLEEP_AFTER: no players this long makes a server idle and puts it to sleep, unless its guild or owner
   * set their own (domain/sleep-policy.ts); null (`off`): only those settings make servers sleep.
   */
  idleAfterMs: number | null;
  /** IDLE_MIN_AWAKE: a server that came up stays awake at least this long, so a join and a leave cannot make it flap. */
  minAwakeMs: number;
}

/**
 * How servers' ports reach players. `required`: GuildServer's edge (`gs edge up`) forwards them and a job
 * that starts a server waits until the edge has applied its ports. `auto`: the same once any edge has
 * reported, and until then the ports are not forwarded by GuildServer (the notices say so). `none`: the
 * admin forwards the ports some other way; notices say what to forward.
 */
export interface EdgeConfig {
  mode: 'required' | 'auto' | 'none';
  /** How long a job waits for the edge to apply a server's ports before failing. */
  publishTimeoutSeconds: number;
}

const RETENTION_KEYS = [
  'keep-last',
  'keep-hourly',
  'keep-daily',
  'keep-weekly',
  'keep-monthly',
  'keep-yearly',
];

/** `keep-last=3,keep-daily=7`: Proxmox's prune-backups text (keep-all is not offered: set no limit instead). */
const retentionText: z.ZodType<PruneOptions> = z.string().transform((text, ctx) => {
  const keep: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, value] = part.split('=');
    if (!key || !RETENTION_KEYS.includes(key) || !/^\d{1,4}$/.test(value ?? '')) {
      ctx.addIssue({ code: 'custom', message: `'${part}' is not a keep option.` });
      return z.NEVER;
    }
    keep[key] = Number(value);
  }
  return keep as PruneOptions;
});

/** A length of time with its unit (`90s`, `30m`, `2h`) from `minMs` to `maxMs`, as milliseconds. */
const durationText = (minMs: number, maxMs: number) =>
  z
    .string()
    .transform((text) => parseDuration(text) ?? Number.NaN)
    .pipe(z.number().min(minMs).max(maxMs));

const HOUR = 3_600_000;

/** The most spare VMs one game's pool may hold. */
const POOL_MAX = 20;

/** `minecraft-java:2,valheim:1`: spare VMs per game. */
const warmPoolText = z.string().transform((text, ctx) => {
  const sizes = new Map<GameId, number>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [game = '', count = ''] = part.split(':').map((p) => p.trim());
    if (!isGameId(game)) {
      ctx.addIssue({ code: 'custom', message: unknownGameMessage(game) });
      return z.NEVER;
    }
    if (!/^\d{1,2}$/.test(count) || Number(count) > POOL_MAX) {
      ctx.addIssue({
        code: 'custom',
        message: `'${part}' needs a count from 0 to ${POOL_MAX} after the colon.`,
      });
      return z.NEVER;
    }
    sizes.set(game, Number(count));
  }
  return sizes as ReadonlyMap<GameId, number>;
});

const SPEC = {
  API_HOST: withDefault('an address to listen on, such as 127.0.0.1 or 0.0.0.0', hostName, '127.0.0.1'),
  API_PORT: withDefault('a TCP port from 1 to 65535', integer(1, 65_535), 8080),
  DATABASE_PATH: withDefault('the path of the SQLite file', z.string().min(1), './data/guildserver.sqlite'),
  QUEUE_PREFIX: withDefault(
    'letters, digits, - or _ (the Redis key prefix of the job queue)',
    z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    'guildserver',
  ),
  REDIS_URL: optional('a redis:// or rediss:// URL such as redis://127.0.0.1:6379', redisUrl),
  PROXMOX_VMID_RANGE: withDefault(
    'a range first-last of VM ids from 100 to 999999999, such as 10000-19999',
    integerRange(100, 999_999_999),
    { first: 10_000, last: 19_999 },
  ),
  GAME_PORT_RANGE: withDefault(
    'a range first-last of ports from 1024 to 65535, such as 20000-29999',
    integerRange(1024, 65_535),
    { first: 20_000, last: 29_999 },
  ),
  HOST_EXTERNAL: withDefault(
    'the host name gamers connect to, such as play.example.net',
    hostName,
    'localhost',
  ),
  HOST_INTERNAL: optional('the host or address the API reaches VMs through', hostName),
  QUOTA_GUILD_SERVERS: withDefault('a whole number from 0 to 10000', integer(0, 10_000), 20),
  QUOTA_GUILD_CORES: withDefault('a whole number from 0 to 100000', integer(0, 100_000), 64),
  QUOTA_GUILD_MEMORY: withDefault(
    'MiB, a whole number from 0 to 100000000',
    integer(0, 100_000_000),
    131_072,
  ),
  QUOTA_USER_SERVERS: withDefault('a whole number from 0 to 10000', integer(0, 10_000), 3),
  QUOTA_USER_CORES: withDefault('a whole number from 0 to 100000', integer(0, 100_000), 12),
  QUOTA_USER_MEMORY: withDefault('MiB, a whole number from 0 to 100000000', integer(0, 100_000_000), 32_768),
  QUOTA_COUNTS: withDefault(
    'all or awake (awake: stopped and sleeping servers’ cores and memory do not count)',
    z.enum(['all', 'awake']),
    'all' as const,
  ),
  API_RATE_LIMIT_PER_MINUTE: withDefault('a whole number from 1 to 1000000', integer(1, 1_000_000), 600),
  WORKER_CONCURRENCY: withDefault('a whole number from 1 to 1000', integer(1, 1000), 20),
  PROXMOX_LIMIT_PER_NODE: withDefault('a whole number from 1 to 100', integer(1, 100), 4),
  PROXMOX_LIMIT_PER_STORAGE: withDefault('a whole number from 1 to 100', integer(1, 100), 2),
  GAME_RUNNER: withDefault('ansible or simulated', z.enum(['ansible', 'simulated']), 'ansible' as const),
  RECONCILE_INTERVAL_SECONDS: withDefault(
    'a whole number of seconds from 5 to 86400',
    integer(5, 86_400),
    60,
  ),
  RECONCILE_DESTROY_ORPHANS: withDefault('true or false', booleanLiteral, false),
  RECONCILE_ORPHAN_GRACE_SECONDS: withDefault('a whole number of seconds', integer(0, 31_536_000), 3600),
  GAME_REPORTS_URL: optional(
    'an http(s) URL of the API as the VMs reach it, such as http://10.0.0.2:8080/v1/serverlist',
    httpUrl,
  ),
  GAME_SECRETS_KEY: optional(
    'at least 32 characters without spaces (for example `openssl rand -hex 32`)',
    word.pipe(z.string().min(32)),
    { secret: true },
  ),
  GAME_LICENSES_ACCEPTED: withDefault(
    `a comma-separated list of ${LICENCE_IDS.join(', ')} (the licences you, the admin, accept), or empty`,
    z
      .string()
      .transform((list) =>
        list
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(LICENCE_IDS))),
    [] as LicenceId[],
  ),
  EDGE: withDefault(
    "required, auto or none (whether GuildServer's edge forwards the game ports: see docs/networking.md)",
    z.enum(['required', 'auto', 'none']),
    'auto' as const,
  ),
  EDGE_PUBLISH_TIMEOUT_SECONDS: withDefault('a whole number of seconds from 5 to 3600', integer(5, 3600), 60),
  PROXMOX_BACKUP_STORAGE: withDefault(
    'the id of a Proxmox storage that allows backups, such as local',
    z.string().regex(/^[a-z][a-z0-9_.-]*$/i),
    'local',
  ),
  BACKUP_MODE: withDefault(
    'snapshot, suspend or stop (vzdump --mode)',
    z.enum(['snapshot', 'suspend', 'stop']),
    'snapshot' as const,
  ),
  BACKUP_RETENTION: withDefault(
    'keep options as Proxmox writes them, such as keep-last=3,keep-daily=7,keep-weekly=4',
    retentionText,
    { 'keep-last': 3, 'keep-daily': 7, 'keep-weekly': 4 },
  ),
  BACKUP_KEEP_DELETED_DAYS: withDefault('a whole number of days from 0 to 3650', integer(0, 3650), 7),
  IMAGE_REBUILD_DAYS: withDefault('a whole number of days from 0 (never) to 365', integer(0, 365), 7),
  WARM_POOL: withDefault(
    'game:count pairs separated by commas, such as minecraft-java:2,valheim:1 (spare VMs made from each game image), or empty',
    warmPoolText,
    new Map() as ReadonlyMap<GameId, number>,
  ),
  WARM_POOL_MODE: withDefault(
    'stopped (spare VMs cost disk only) or booted (they cost memory too, and are ready sooner)',
    z.enum(POOL_MODES),
    'stopped' as const,
  ),
  QUOTA_GUILD_BACKUPS: withDefault('a whole number from 0 to 100000', integer(0, 100_000), 50),
  QUOTA_GUILD_BACKUP_GIB: withDefault('GiB, a whole number from 0 to 1000000', integer(0, 1_000_000), 200),
  MONITOR_INTERVAL: withDefault(
    'a length of time from 1s to 1h with its unit, such as 60s or 1m (how often running games are asked who plays)',
    durationText(1_000, HOUR),
    60_000,
  ),
  IDLE_SLEEP_AFTER: withDefault(
    'off, or a length of time from 1s to 7d with its unit, such as 30m (no players this long makes a server idle)',
    z.union([z.literal('off').transform(() => null), durationText(1_000, 168 * HOUR)]),
    (30 * 60_000) as number | null,
  ),
  IDLE_MIN_AWAKE: withDefault(
    'a length of time from 1s to 1d with its unit, such as 10m (how long a server that came up stays awake at least)',
    durationText(1_000, 24 * HOUR),
    10 * 60_000,
  ),
  LOG_LEVEL: withDefault(
    'one of fatal, error, warn, info, debug, trace',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
    'info',
  ),
};

export function loadApiConfig(env: Env): ApiConfig {
  const v = readEnv(env, SPEC);
  const proxmox = loadProxmoxConfig(env);
  if (v.PROXMOX_VMID_RANGE.first < 100) {
    throw new ConfigError('PROXMOX_VMID_RANGE must start at 100 or above.', ['PROXMOX_VMID_RANGE']);
  }
  const vmids = v.PROXMOX_VMID_RANGE;
  if (proxmox.baseImageVmid >= vmids.first && proxmox.baseImageVmid <= vmids.last) {
    throw new ConfigError(
      `PROXMOX_VMID_RANGE must not contain the template PROXMOX_BASE_IMAGE_VMID (${proxmox.baseImageVmid}).`,
      ['PROXMOX_VMID_RANGE'],
    );
  }
  return {
    host: v.API_HOST,
    port: v.API_PORT,
    databasePath: v.DATABASE_PATH,
    redisUrl: v.REDIS_URL,
    queuePrefix: v.QUEUE_PREFIX,
    proxmox,
    vmidRange: vmids,
    portRange: v.GAME_PORT_RANGE,
    hostExternal: v.HOST_EXTERNAL,
    hostInternal: v.HOST_INTERNAL,
    gameSizes: resolveGameSizes(env),
    quotas: {
      guild: { servers: v.QUOTA_GUILD_SERVERS, cores: v.QUOTA_GUILD_CORES, memoryMiB: v.QUOTA_GUILD_MEMORY },
      user: { servers: v.QUOTA_USER_SERVERS, cores: v.QUOTA_USER_CORES, memoryMiB: v.QUOTA_USER_MEMORY },
      counts: v.QUOTA_COUNTS,
    },
    rateLimitPerMinute: v.API_RATE_LIMIT_PER_MINUTE,
    workerConcurrency: v.WORKER_CONCURRENCY,
    proxmoxLimits: { perNode: v.PROXMOX_LIMIT_PER_NODE, perStorage: v.PROXMOX_LIMIT_PER_STORAGE },
    gameRunner: v.GAME_RUNNER,
    reconciler: {
      intervalSeconds: v.RECONCILE_INTERVAL_SECONDS,
      destroyOrphans: v.RECONCILE_DESTROY_ORPHANS,
      orphanGraceSeconds: v.RECONCILE_ORPHAN_GRACE_SECONDS,
    },
    gameReportsUrl: v.GAME_REPORTS_URL?.replace(/\/+$/, ''),
    gameSecretsKey: v.GAME_SECRETS_KEY,
    imageRebuildDays: v.IMAGE_REBUILD_DAYS,
    warmPool: { sizes: v.WARM_POOL, mode: v.WARM_POOL_MODE },
    licencesAccepted: new Set(v.GAME_LICENSES_ACCEPTED),
    edge: { mode: v.EDGE, publishTimeoutSeconds: v.EDGE_PUBLISH_TIMEOUT_SECONDS },
    backups: {
      storage: v.PROXMOX_BACKUP_STORAGE,
      mode: v.BACKUP_MODE,
      retention: v.BACKUP_RETENTION,
      keepDeletedDays: v.BACKUP_KEEP_DELETED_DAYS,
      quota: { count: v.QUOTA_GUILD_BACKUPS, bytes: v.QUOTA_GUILD_BACKUP_GIB * 1024 ** 3 },
    },
    monitor: {
      intervalMs: v.MONITOR_INTERVAL,
      idleAfterMs: v.IDLE_SLEEP_AFTER,
      minAwakeMs: v.IDLE_MIN_AWAKE,
    },
    logLevel: v.LOG_LEVEL,
  };
}
