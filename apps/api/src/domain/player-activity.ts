// Who plays on a server, over time: each check of the player monitor is kept as a sample and moves the server's
// "last player seen" and "idle since" — by the game's own count, or for a game that cannot count, by what players
// sent through the edge (its per-server traffic reports).
import { and, eq, gte, inArray, lt, max, sum } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { edgeTraffic, playerSamples, servers } from '../db/schema.js';
import { now } from './ids.js';

/** How long samples are kept: a week of history, and "today" in any time zone. */
export const PLAYER_SAMPLE_DAYS = 8;

/** What a server that stopped running has of players: no count, and no idle clock (it starts again with it). */
export const NOT_PLAYING = {
  playersOnline: null,
  idleSince: null,
  trafficPackets: null,
  trafficAt: null,
} as const;

/**
 * Packets a minute that players' server-list queries and port scans send to an empty server (a few each); a
 * player in a game sends tens a second.
 */
export const QUERY_NOISE_PACKETS_PER_MINUTE = 30;

/** One check of a game: whether it answered and, when it could tell, how many played. */
export interface PlayerCheck {
  up: boolean;
  /** Undefined when the game did not answer, or answered without a count (Luanti before its first announce). */
  players?: { online: number; max: number };
  /** The game's own version when its answer carried one; a check without keeps the last one known. */
  version?: string;
}

export interface Activity {
  lastPlayerAt: string | null;
  idleSince: string | null;
}

/** The edges' packet count for a server and when they reported it. */
export interface TrafficMark {
  packets: number;
  at: string;
}

/**
 * What players sent between two marks says: `playing` above query noise, `quiet` at or below it, undefined when
 * there is nothing new to tell (no report since, or the count went back: an edge restarted).
 */
export function trafficSignal(
  before: TrafficMark | null,
  after: TrafficMark | undefined,
): 'playing' | 'quiet' | undefined {
  if (!before || !after) return undefined;
  const minutes = (Date.parse(after.at) - Date.parse(before.at)) / 60_000;
  const packets = after.packets - before.packets;
  if (minutes <= 0 || packets < 0) return undefined;
  return packets / minutes > QUERY_NOISE_PACKETS_PER_MINUTE ? 'playing' : 'quiet';
}

/**
 * The idle clock: players on stop it and note when they were seen; none starts it (or lets it run). The game's
 * count decides; without one, the edge's traffic does. A check that tells nothing (no count, no new traffic)
 * leaves it as it was: a server is never called idle on a count GuildServer did not get.
 */
export function activityAfter(
  current: Activity,
  check: PlayerCheck,
  at: string,
  traffic?: 'playing' | 'quiet',
): Activity {
  const online = check.players?.online;
  const playing =
    online !== undefined ? online > 0 : traffic === undefined ? undefined : traffic === 'playing';
  if (playing === undefined) return current;
  if (playing) return { lastPlayerAt: at, idleSince: null };
  return { lastPlayerAt: current.lastPlayerAt, idleSince: current.idleSince ?? at };
}

/** The edges' count for a server, summed over every edge that reported it; undefined when none has. */
function edgeTrafficOf(tx: Pick<Db, 'select'>, serverId: string): TrafficMark | undefined {
  const row = tx
    .select({ packets: sum(edgeTraffic.packets), at: max(edgeTraffic.reportedAt) })
    .from(edgeTraffic)
    .where(eq(edgeTraffic.serverId, serverId))
    .get();
  return row && row.packets !== null && row.at ? { packets: Number(row.packets), at: row.at } : undefined;
}

/** Idle: no players for at least `idleAfterMs` (never when that is null, `IDLE_SLEEP_AFTER=off`). */
export function isIdle(idleSince: string | null, idleAfterMs: number | null, atMs: number): boolean {
  return idleSince !== null && idleAfterMs !== null && atMs - Date.parse(idleSince) >= idleAfterMs;
}

/**
 * Stores a check of a running server: the sample, its count on the server row and the idle clock. A server
 * that stopped running meanwhile keeps its row as its job left it (the sample is still history).
 */
export function recordPlayerCheck(db: Db, serverId: string, check: PlayerCheck, at = now()): void {
  db.transaction((tx) => {
    tx.insert(playerSamples)
      .values({
        serverId,
        at,
        up: check.up,
        online: check.players?.online ?? null,
        max: check.players?.max ?? null,
      })
      .onConflictDoNothing()
      .run();
    const row = tx
      .select({
        state: servers.state,
        lastPlayerAt: servers.lastPlayerAt,
        idleSince: servers.idleSince,
        trafficPackets: servers.trafficPackets,
        trafficAt: servers.trafficAt,
      })
      .from(servers)
      .where(eq(servers.id, serverId))
      .get();
    if (row?.state !== 'running') return;
    const traffic = edgeTrafficOf(tx, serverId);
    const before =
      row.trafficPackets !== null && row.trafficAt !== null
        ? { packets: row.trafficPackets, at: row.trafficAt }
        : null;
    const players = check.players
      ? { playersOnline: check.players.online, playersMax: check.players.max }
      : check.up
        ? {}
        : { playersOnline: null };
    tx.update(servers)
      .set({
        ...players,
        ...(check.version !== undefined ? { gameVersion: check.version } : {}),
        ...activityAfter(row, check, at, trafficSignal(before, traffic)),
        ...(traffic ? { trafficPackets: traffic.packets, trafficAt: traffic.at } : {}),
        playersCheckedAt: at,
        updatedAt: at,
      })
      .where(eq(servers.id, serverId))
      .run();
  });
}

/** The most players each server had since `sinceIso`, from its samples (servers without any are absent). */
export function peakPlayersSince(
  db: Db,
  serverIds: readonly string[],
  sinceIso: string,
): Map<string, number> {
  if (serverIds.length === 0) return new Map();
  const rows = db
    .select({ serverId: playerSamples.serverId, peak: max(playerSamples.online) })
    .from(playerSamples)
    .where(and(inArray(playerSamples.serverId, [...serverIds]), gte(playerSamples.at, sinceIso)))
    .groupBy(playerSamples.serverId)
    .all();
  return new Map(rows.flatMap((r) => (r.peak === null ? [] : [[r.serverId, r.peak] as const])));
}

/** Removes samples older than PLAYER_SAMPLE_DAYS; how many went. */
export function prunePlayerSamples(db: Db, atMs = Date.now()): number {
  const before = new Date(atMs - PLAYER_SAMPLE_DAYS * 86_400_000).toISOString();
  return db.delete(playerSamples).where(lt(playerSamples.at, before)).run().changes;
}

/** Midnight of `atMs`'s day in the IANA time zone `zone`, as an ISO instant. */
export function startOfDayIn(zone: string, atMs: number): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(atMs));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const [year, month, day] = [part('year'), part('month') - 1, part('day')];
  // The zone's offset at that moment: its wall clock read as if it were UTC, less the moment itself.
  const offset = Date.UTC(year, month, day, part('hour'), part('minute'), part('second')) - atMs;
  return new Date(Date.UTC(year, month, day) - offset - (atMs % 1000)).toISOString();
}
