// When an idle server goes to sleep. Pure: the settings, the server's state and its clocks in, a decision out —
// so every rule is a row of a table test (test/domain/sleep-policy.test.ts).
import { formatDuration, type IdleSleep, parseDuration, type ServerState } from '@guildserver/contracts';

/** A stored idle-sleep setting: null (not set), `off`, or a length of time as typed (`30m`). */
export type IdleSleepText = string | null;

/** Milliseconds, or null for `off`. The text was checked when it was stored. */
export const idleSleepMs = (text: string): number | null =>
  text === 'off' ? null : (parseDuration(text) ?? null);

export const idleSleepText = (afterMs: number | null): string =>
  afterMs === null ? 'off' : formatDuration(afterMs);

/** What a guild's admins set, with IDLE_SLEEP_AFTER for what they did not. */
export interface GuildSleepRules {
  /** The idle period of the guild's servers; null: they never sleep unless their owner says so. */
  afterMs: number | null;
  setBy: 'guild' | 'default';
  /** The longest idle period an owner may choose; null: any, including off. */
  longestMs: number | null;
}

export function guildSleepRules(
  stored: { idleSleep: IdleSleepText; idleSleepMax: IdleSleepText },
  defaultAfterMs: number | null,
): GuildSleepRules {
  const afterMs = stored.idleSleep === null ? defaultAfterMs : idleSleepMs(stored.idleSleep);
  // Unset, the longest is the guild's own period: owners may make their server sleep sooner, not later.
  const longestMs = stored.idleSleepMax === null ? afterMs : idleSleepMs(stored.idleSleepMax);
  return { afterMs, setBy: stored.idleSleep === null ? 'default' : 'guild', longestMs };
}

/** `a` is at most `b`, where null is forever. */
const notLonger = (a: number | null, b: number | null) => b === null || (a !== null && a <= b);

/** The guild's settings must agree: its own period within the longest it lets owners choose. */
export function guildRulesProblem(rules: GuildSleepRules): string | undefined {
  if (notLonger(rules.afterMs, rules.longestMs)) return undefined;
  return `idle-sleep (${idleSleepText(rules.afterMs)}) is longer than idle-sleep-max (${idleSleepText(rules.longestMs)}), the longest owners may choose; raise idle-sleep-max or shorten idle-sleep.`;
}

/** A server's idle period and whose setting it is (the server view adds how long its wakes take). */
export type IdlePeriod = Pick<IdleSleep, 'afterMs' | 'setBy' | 'capped'>;

/** A server's idle period: its owner's within the guild's longest, else the guild's. */
export function effectiveIdleSleep(rules: GuildSleepRules, own: IdleSleepText): IdlePeriod {
  if (own === null) return { afterMs: rules.afterMs, setBy: rules.setBy, capped: false };
  const ownMs = idleSleepMs(own);
  if (notLonger(ownMs, rules.longestMs)) return { afterMs: ownMs, setBy: 'server', capped: false };
  return { afterMs: rules.longestMs, setBy: 'server', capped: true };
}

/** Why an owner may not choose this for their server, in a sentence; undefined when they may. */
export function ownIdleSleepProblem(rules: GuildSleepRules, requested: string): string | undefined {
  const requestedMs = idleSleepMs(requested);
  if (notLonger(requestedMs, rules.longestMs)) return undefined;
  return requestedMs === null
    ? `This guild does not let owners turn idle sleep off; the longest it allows is ${idleSleepText(rules.longestMs)} (an admin sets that with /server settings idle-sleep-max).`
    : `This guild lets a server stay awake at most ${idleSleepText(rules.longestMs)} without players; choose that or less (an admin can raise it with /server settings idle-sleep-max).`;
}

/** What the sleep decision reads of a server. */
export interface SleepCandidate {
  state: ServerState;
  currentJobId: string | null;
  playersOnline: number | null;
  /** Since when it had no players (the monitor's idle clock); null while players are on or before a check. */
  idleSince: string | null;
  /** When it last came up (a start, wake, restart or create finished). */
  awakeSince: string | null;
}

export type SleepDecision =
  | { sleep: true; idleForMs: number }
  | {
      sleep: false;
      reason: 'not_running' | 'busy' | 'off' | 'players' | 'not_idle' | 'not_idle_long_enough' | 'just_woke';
    };

/**
 * Sleep now? Only a running server with no job on it, no players, idle for its whole period, awake at least
 * `minAwakeMs` (so a join and a leave cannot make it flap).
 */
export function decideSleep(
  server: SleepCandidate,
  afterMs: number | null,
  minAwakeMs: number,
  atMs: number,
): SleepDecision {
  if (server.state !== 'running') return { sleep: false, reason: 'not_running' };
  if (server.currentJobId !== null) return { sleep: false, reason: 'busy' };
  if (afterMs === null) return { sleep: false, reason: 'off' };
  if ((server.playersOnline ?? 0) > 0) return { sleep: false, reason: 'players' };
  // No idle clock: players were on at the last check, or nothing has told yet (no count, no traffic).
  if (server.idleSince === null) return { sleep: false, reason: 'not_idle' };
  const idleForMs = atMs - Date.parse(server.idleSince);
  if (idleForMs < afterMs) return { sleep: false, reason: 'not_idle_long_enough' };
  if (server.awakeSince !== null && atMs - Date.parse(server.awakeSince) < minAwakeMs)
    return { sleep: false, reason: 'just_woke' };
  return { sleep: true, idleForMs };
}
