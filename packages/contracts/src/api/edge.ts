import { z } from 'zod';
import { portProtocolSchema } from './servers.js';

/** One published port: what arrives at the edge on `publishedPort` goes to the VM's `guestPort`. */
export const forwardingEntrySchema = z.object({
  serverId: z.string(),
  serverName: z.string(),
  /** The VM's address; null while the VM has none (such an entry cannot be forwarded). */
  vmIpv4: z.string().nullable(),
  protocol: portProtocolSchema,
  publishedPort: z.number().int(),
  guestPort: z.number().int(),
});
export type ForwardingEntry = z.infer<typeof forwardingEntrySchema>;

/** The longest game version an asleep entry carries (the longest a game's status query reports is shorter). */
export const ASLEEP_VERSION_MAX_LENGTH = 64;

/**
 * A sleeping server: while it sleeps the edge holds its ports in userspace, answers each game's status query with
 * these words, and asks the API to wake it (`POST /v1/edge/wake`) when a player really joins.
 */
export const asleepEntrySchema = z.object({
  serverId: z.string(),
  serverName: z.string(),
  /** The catalog's game id: which responders hold its ports. */
  game: z.string(),
  /** Its published ports, named as the catalog names them (purpose, index from 1, protocol). */
  ports: z.array(
    z.object({
      purpose: z.string(),
      index: z.number().int().min(1),
      protocol: portProtocolSchema,
      publishedPort: z.number().int(),
    }),
  ),
  /** The status line a server list shows: "survival is asleep — join to wake it (ready in about 35 s)". */
  status: z.string(),
  /** What a joining player is told where the game lets a server say something. */
  joinMessage: z.string(),
  /** Its player limit, shown as 0 of it. */
  maxPlayers: z.number().int().min(0),
  /** The game's own version as it last reported it; a server list compares it with the client's. */
  version: z.string().max(ASLEEP_VERSION_MAX_LENGTH).optional(),
});
export type AsleepEntry = z.infer<typeof asleepEntrySchema>;

/** What the edge should forward now: every published port of every running server, and its generation. */
export const forwardingTableSchema = z.object({
  /** Grows with every change, so the edge can report which table it applied. */
  generation: z.number().int().min(0),
  /** HOST_EXTERNAL, the host players are told to join at (the edge checks that players could use it). */
  hostExternal: z.string().optional(),
  /** GAME_PORT_RANGE: nothing outside it is ever forwarded. */
  portRange: z.object({ first: z.number().int(), last: z.number().int() }),
  entries: z.array(forwardingEntrySchema),
  /** Sleeping servers, whose ports the edge answers for (absent from APIs older than idle sleep). */
  asleep: z.array(asleepEntrySchema).optional(),
});
export type ForwardingTable = z.infer<typeof forwardingTableSchema>;

/** How the edge applies the table: `nft` in the kernel, or `dry` (computed and reported, never applied). */
export const EDGE_MODES = ['nft', 'dry'] as const;
export const edgeModeSchema = z.enum(EDGE_MODES);
export type EdgeMode = z.infer<typeof edgeModeSchema>;

/** EDGE_SNAT: rewrite players' source address to the edge's — per VM when needed, always, or never. */
export const EDGE_SNAT_SETTINGS = ['auto', 'always', 'never'] as const;
export const edgeSnatSchema = z.enum(EDGE_SNAT_SETTINGS);
export type EdgeSnat = z.infer<typeof edgeSnatSchema>;

/** An entry of the table the edge left out, with the reason (see apps/edge's buildRuleset). */
export const refusedForwardSchema = z.object({
  serverId: z.string().max(64),
  serverName: z.string().max(64),
  protocol: portProtocolSchema,
  publishedPort: z.number().int(),
  reason: z.string().max(500),
});
export type RefusedForward = z.infer<typeof refusedForwardSchema>;

/** What players sent to one server's published ports through an edge, since that edge started. */
export const serverTrafficSchema = z.object({
  serverId: z.string().min(1).max(64),
  packets: z.number().int().min(0),
  bytes: z.number().int().min(0),
});
export type ServerTraffic = z.infer<typeof serverTrafficSchema>;

/** What an edge tells the API after every read of the table (`PUT /v1/edge/status`). */
export const edgeReportSchema = z.object({
  /** Which edge (its host name by default): several may report, each keeps its own row. */
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dots, dashes and underscores'),
  mode: edgeModeSchema,
  snat: edgeSnatSchema,
  /** The generation of the table now in force; null while none has been applied. */
  appliedGeneration: z.number().int().min(0).nullable(),
  /** How many ports it forwards. */
  forwarded: z.number().int().min(0),
  refused: z.array(refusedForwardSchema).max(10_000),
  /** Null when healthy; else one sentence: why the last read or apply failed (the table in force stays). */
  problem: z.string().max(1_000).nullable(),
  /**
   * Per server, cumulative since the edge started (back to 0 when it restarts): the player monitor's second
   * signal for games that cannot count their players. Absent in dry mode, and from edges older than it.
   */
  traffic: z.array(serverTrafficSchema).max(10_000).optional(),
});
export type EdgeReport = z.infer<typeof edgeReportSchema>;

/** An edge as the API last heard of it. */
export const edgeStateSchema = edgeReportSchema.omit({ traffic: true }).extend({
  reportedAt: z.string(),
  /** No report for longer than EDGE_STALE_AFTER: the edge is not following (its table stays as it was). */
  stale: z.boolean(),
  /** The API's generation minus the applied one: changes this edge has not applied yet. */
  lag: z.number().int().nullable(),
});
export type EdgeState = z.infer<typeof edgeStateSchema>;

/** `GET /v1/edge/status`: the API's generation and every edge that ever reported, newest report first. */
export const edgeStatusSchema = z.object({
  generation: z.number().int().min(0),
  edges: z.array(edgeStateSchema),
});
export type EdgeStatus = z.infer<typeof edgeStatusSchema>;

/** One message of `GET /v1/edge/stream` (`event: generation`): the table may have changed; read it again. */
export const edgeGenerationSchema = z.object({ generation: z.number().int().min(0) });
export type EdgeGeneration = z.infer<typeof edgeGenerationSchema>;

/** `POST /v1/edge/wake`: a player's join attempt reached a sleeping server's port at the edge. */
export const wakeRequestSchema = z.strictObject({
  serverId: z.string().min(1).max(64),
  /** The joining player's address (rate limits are per source); never shown to anyone but admins' logs. */
  source: z.string().min(1).max(64),
  protocol: portProtocolSchema,
  publishedPort: z.number().int().min(1).max(65_535),
});
export type WakeRequest = z.infer<typeof wakeRequestSchema>;

/**
 * What the API did with it: `waking` (a wake job was queued, or one already runs), `awake` (it is up or on its
 * way), `refused` (not a sleeping server, or rate-limited: `reason` says which).
 */
export const wakeAnswerSchema = z.object({
  outcome: z.enum(['waking', 'awake', 'refused']),
  reason: z.string().optional(),
  jobId: z.string().optional(),
});
export type WakeAnswer = z.infer<typeof wakeAnswerSchema>;
