// How often a join may wake servers: per server, so a player who joins and leaves over and over (or a flood of
// forged join packets) cannot make it flap, and per source address, so one scanner sending join packets to every
// port cannot wake a whole guild. A sliding window of the wakes each allowed; kept in the API process's memory
// (a restart forgets it, which only errs towards waking).

/** Wakes by join a server may have in WINDOW_MS. */
export const WAKES_PER_SERVER = 6;
/** Wakes by join one source address may cause in WINDOW_MS, over every server. */
export const WAKES_PER_SOURCE = 10;
export const WINDOW_MS = 60 * 60_000;
/** Sources remembered at most: the oldest is forgotten first. */
const MAX_SOURCES = 10_000;

export type WakeVerdict = { allowed: true } | { allowed: false; reason: string; retryAfterSeconds: number };

export class WakeLimits {
  private readonly byServer = new Map<string, number[]>();
  private readonly bySource = new Map<string, number[]>();

  /** Counts the wake when allowed; a refused one counts for nothing. */
  allow(serverId: string, source: string, atMs: number): WakeVerdict {
    const server = recent(this.byServer.get(serverId), atMs);
    const fromSource = recent(this.bySource.get(source), atMs);
    if (server.length >= WAKES_PER_SERVER)
      return refused(`it was woken by a join ${WAKES_PER_SERVER} times in the last hour`, server, atMs);
    if (fromSource.length >= WAKES_PER_SOURCE)
      return refused(
        `this address woke servers ${WAKES_PER_SOURCE} times in the last hour`,
        fromSource,
        atMs,
      );
    this.byServer.set(serverId, [...server, atMs]);
    this.bySource.delete(source);
    this.bySource.set(source, [...fromSource, atMs]);
    if (this.bySource.size > MAX_SOURCES) this.bySource.delete(this.bySource.keys().next().value!);
    return { allowed: true };
  }
}

const recent = (times: number[] | undefined, atMs: number) =>
  (times ?? []).filter((t) => atMs - t < WINDOW_MS);

function refused(reason: string, times: number[], atMs: number): WakeVerdict {
  const retryAfterSeconds = Math.max(1, Math.ceil((times[0]! + WINDOW_MS - atMs) / 1000));
  return { allowed: false, reason, retryAfterSeconds };
}
