// Who plays on a server, over time: each count the API learns (the player monitor's checks, a job's wait for the
// game, a game's own report) is kept as a sample and moves the server's "last player seen" and "idle since".
import { and, eq, gte, inArray, lt, max } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { playerSamples, servers } from '../db/schema.js';
import { now } from './ids.js';

/** How long samples are kept: a week of history, and "today" in any time zone. */
export const PLAYER_SAMPLE_DAYS = 8;

/** What a server that stopped running has of players: no count, and no idle clock (it starts again with it). */
export const NOT_PLAYING = { playersOnline: null, idleSince: null } as const;

/** One check of a game: whether it answered and, when it could tell, how many played. */
export interface PlayerCheck {
  up: boolean;
  /** Undefined when the game did not answer, or answered without a count (Luanti before its first announce). */
  players?: { online: number; max: number };
}

export interface Activity {
  lastPlayerAt: string | null;
  idleSince: string | null;
}

/**
 * The idle clock: players on stop it and note when they were seen; a count of none starts it (or lets it run);
 * a check that tells nothing (no answer, no count) leaves it as it was — a server is never called idle on a
 * count it did not get.
 */
export function activityAfter(current: Activity, check: PlayerCheck, at: string): Activity {
  const online = check.players?.online;
  if (online === undefined) return current;
  if (online > 0) return { lastPlayerAt: at, idleSince: null };
  return { lastPlayerAt: current.lastPlayerAt, idleSince: current.idleSince ?? at };
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
      .select({ state: servers.state, lastPlayerAt: servers.lastPlayerAt, idleSince: servers.idleSince })
      .from(servers)
      .where(eq(servers.id, serverId))
      .get();
    if (row?.state !== 'running') return;
    const players = check.players
      ? { playersOnline: check.players.online, playersMax: check.players.max }
      : check.up
        ? {}
        : { playersOnline: null };
    tx.update(servers)
      .set({ ...players, ...activityAfter(row, check, at), playersCheckedAt: at, updatedAt: at })
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
