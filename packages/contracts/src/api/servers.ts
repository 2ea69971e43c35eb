import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { vmSizeSchema } from '../vm-size.js';

export const SERVER_STATES = [
  'creating',
  'starting',
  'running',
  'stopping',
  'stopped',
  'restarting',
  'backing_up',
  /** Going to sleep: the game saves, the VM hibernates or shuts down (a `sleep` job). */
  'falling_asleep',
  /** Asleep after no players for its idle period: wakes when someone joins (unlike `stopped`). */
  'sleeping',
  'waking',
  'restoring',
  'deleting',
  'deleted',
  'failed',
] as const;
export const serverStateSchema = z.enum(SERVER_STATES);
export type ServerState = z.infer<typeof serverStateSchema>;

/** A Discord snowflake: the ids of guilds, users and channels. */
export const snowflakeSchema = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17 to 20 digits)');

/** The rule for a server's name, as gamers read it; the one place it is worded. */
export const SERVER_NAME_RULE = '3 to 32 lowercase letters, digits or inner hyphens';
export const SERVER_NAME_MIN_LENGTH = 3;
export const SERVER_NAME_MAX_LENGTH = 32;

/** What gamers type as the server's name: 3–32 of a-z, 0-9 and inner hyphens, unique in the guild. */
export const serverNameSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{1,30})[a-z0-9]$/, `must be ${SERVER_NAME_RULE}`);

/** A server's id as the API makes it (`srv_` and 12 of a-z, 0-9): how `gs` and the bot tell an id from a name. */
export const SERVER_ID_PATTERN = /^srv_[a-z0-9]{12}$/;
export const serverIdSchema = z.string().regex(SERVER_ID_PATTERN);

export const PORT_PROTOCOLS = ['tcp', 'udp'] as const;
export const portProtocolSchema = z.enum(PORT_PROTOCOLS);

export const allocatedPortSchema = z.object({
  /** What the port is for in the game's catalog: `game`, `query` or `rcon`. */
  purpose: z.string(),
  /**
   * Which of the game's ports of this purpose, from 1 (ARK's second game port is 2); the protocols of one port
   * share it. Always sent; optional for servers read from an API before it was added.
   */
  index: z.number().int().min(1).optional(),
  protocol: portProtocolSchema,
  /** The port gamers use on HOST_EXTERNAL. */
  port: z.number().int(),
  /** The port the game listens on inside the VM. */
  guestPort: z.number().int(),
});
export type AllocatedPort = z.infer<typeof allocatedPortSchema>;

/** The port players join on: the game's first game port (ARK's 7777, not its 7778), else its first port. */
export function joinPortOf<P extends Pick<AllocatedPort, 'purpose' | 'index'>>(
  ports: readonly P[],
): P | undefined {
  return (
    ports.find((p) => p.purpose === 'game' && (p.index ?? 1) === 1) ??
    ports.find((p) => p.purpose === 'game') ??
    ports[0]
  );
}

/**
 * Whether the server's address leads to it: `published` (the edge forwards its ports), `pending` (listed, but
 * the edge has not applied it yet), `dry` (the edge runs in dry mode: computed, nothing forwarded — the local
 * stack's simulated VMs), `manual` (GuildServer forwards no ports here: EDGE=none, or no edge has reported
 * yet — an admin forwards them by hand), `asleep` (the server sleeps: the edge answers at its address and a
 * player joining there wakes it), `closed` (not forwarded: the server is not running).
 */
export const PUBLICATIONS = ['published', 'pending', 'dry', 'manual', 'asleep', 'closed'] as const;
export const publicationSchema = z.enum(PUBLICATIONS);
export type Publication = z.infer<typeof publicationSchema>;

/** After how long without players a server sleeps, and whose setting that is. */
export const idleSleepSchema = z.object({
  /** Null: it never sleeps. */
  afterMs: z.number().int().nullable(),
  /** `server`: its owner's; `guild`: the guild admins' default; `default`: IDLE_SLEEP_AFTER. */
  setBy: z.enum(['server', 'guild', 'default']),
  /** The owner's setting was longer than the guild allows (`idleSleepMax`): the guild's longest applies. */
  capped: z.boolean(),
  /** How long its wakes took lately (median, seconds), while it sleeps or wakes; null before its first wake. */
  wakeSeconds: z.number().int().nullable(),
});
export type IdleSleep = z.infer<typeof idleSleepSchema>;

/** An idle-sleep setting as typed: `off`, or a length of time with its unit (`30m`, `2h`). */
export const idleSleepTextSchema = z
  .string()
  .trim()
  .refine((text) => text === 'off' || parseDuration(text) !== undefined, {
    message: 'must be off or a length of time with its unit, such as 30m or 2h',
  });

/** An owner's idle-sleep for their server; null goes back to the guild's. */
export const setIdleSleepRequestSchema = z.strictObject({ after: idleSleepTextSchema.nullable() });
export type SetIdleSleepRequest = z.infer<typeof setIdleSleepRequestSchema>;

export const serverSchema = z.object({
  id: serverIdSchema,
  name: serverNameSchema,
  game: z.string(),
  guildId: snowflakeSchema,
  ownerId: snowflakeSchema,
  channelId: snowflakeSchema,
  state: serverStateSchema,
  size: vmSizeSchema,
  vmid: z.number().int().nullable(),
  node: z.string().nullable(),
  ipv4: z.string().nullable(),
  /** `HOST_EXTERNAL:port` for the game port, once running. */
  address: z.string().nullable(),
  /** Whether players reach `address`: see PUBLICATIONS. */
  publication: publicationSchema,
  ports: z.array(allocatedPortSchema),
  players: z.object({ online: z.number().int(), max: z.number().int() }).nullable(),
  /** Who played over time, from the player monitor's checks (MONITOR_INTERVAL). */
  activity: z.object({
    /** When the game was last asked; null before the first check. */
    checkedAt: z.string().nullable(),
    /** The most players at once today, in the guild's time zone; null without a count today. */
    peakToday: z.number().int().nullable(),
    /** When a player was last seen on it. */
    lastPlayerAt: z.string().nullable(),
    /** Since when it has had no players, while running. */
    idleSince: z.string().nullable(),
    /** No players for its idle period (`sleep.afterMs`). */
    idle: z.boolean(),
  }),
  /** When it goes to sleep without players: its own setting, else its guild's, else IDLE_SLEEP_AFTER. */
  sleep: idleSleepSchema,
  failure: z.object({ code: z.string(), message: z.string(), step: z.string().nullable() }).nullable(),
  currentJobId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Server = z.infer<typeof serverSchema>;

/**
 * A create request. The game, name and size are only shaped here: the API checks them against the catalog
 * and the name rule itself, so that each refusal is one sentence naming the rule (and the game's minimum).
 */
export const createServerRequestSchema = z.object({
  game: z.string(),
  name: z.string(),
  guildId: snowflakeSchema,
  ownerId: snowflakeSchema,
  channelId: snowflakeSchema,
  size: z.strictObject({ cores: z.number(), memory: z.number(), disk: z.number() }).partial().optional(),
});
export type CreateServerRequest = z.infer<typeof createServerRequestSchema>;

export const listServersQuerySchema = z.object({
  guildId: snowflakeSchema.optional(),
  ownerId: snowflakeSchema.optional(),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type ListServersQuery = z.infer<typeof listServersQuerySchema>;

export const serverListSchema = z.object({
  servers: z.array(serverSchema),
  nextCursor: z.string().nullable(),
});
export type ServerList = z.infer<typeof serverListSchema>;

export const SERVER_ACTIONS = ['start', 'stop', 'restart', 'wake'] as const;
export const serverActionSchema = z.enum(SERVER_ACTIONS);
export type ServerAction = z.infer<typeof serverActionSchema>;

/** The states each action may start from; the API refuses anything else with `invalid_state`. */
export const ACTION_ALLOWED_FROM: Record<ServerAction | 'delete', readonly ServerState[]> = {
  start: ['stopped'],
  stop: ['running', 'sleeping'],
  restart: ['running'],
  wake: ['sleeping'],
  delete: ['running', 'stopped', 'sleeping', 'failed'],
};

/** A backup is taken of a server that is up or down; a restore also mends a failed one. */
export const BACKUP_ALLOWED_FROM: readonly ServerState[] = ['running', 'stopped'];
export const RESTORE_ALLOWED_FROM: readonly ServerState[] = ['running', 'stopped', 'sleeping', 'failed'];

export function actionAllowed(action: ServerAction | 'delete', state: ServerState): boolean {
  return ACTION_ALLOWED_FROM[action].includes(state);
}

/** The passwords GuildServer generated for a server (a game's join or admin password): its owner's to share. */
export const serverCredentialsSchema = z.object({
  credentials: z.array(
    z.object({
      /** The game's setting key, e.g. `password` or `adminPassword`. */
      key: z.string(),
      label: z.string(),
      value: z.string(),
    }),
  ),
});
export type ServerCredentials = z.infer<typeof serverCredentialsSchema>;
