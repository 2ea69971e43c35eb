// The idle-sleep rules, row by row: whose idle period applies, what an owner may choose, and when a server sleeps.
import { describe, expect, it } from 'vitest';
import {
  decideSleep,
  effectiveIdleSleep,
  guildRulesProblem,
  guildSleepRules,
  ownIdleSleepProblem,
  type SleepCandidate,
} from '../../src/domain/sleep-policy.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('the guild’s rules', () => {
  it.each([
    // stored idle-sleep, stored max, IDLE_SLEEP_AFTER → period, set by, longest an owner may choose
    [null, null, 30 * MIN, 30 * MIN, 'default', 30 * MIN],
    [null, null, null, null, 'default', null],
    ['1h', null, 30 * MIN, HOUR, 'guild', HOUR],
    ['off', null, 30 * MIN, null, 'guild', null],
    ['20m', '4h', 30 * MIN, 20 * MIN, 'guild', 4 * HOUR],
    [null, 'off', 30 * MIN, 30 * MIN, 'default', null],
  ] as const)(
    'idle-sleep %s, idle-sleep-max %s, default %s',
    (idleSleep, idleSleepMax, fallback, afterMs, setBy, longestMs) => {
      expect(guildSleepRules({ idleSleep, idleSleepMax }, fallback)).toEqual({ afterMs, setBy, longestMs });
    },
  );

  it('refuses a guild period longer than the longest it lets owners choose', () => {
    expect(guildRulesProblem(guildSleepRules({ idleSleep: '2h', idleSleepMax: '1h' }, null))).toBe(
      'idle-sleep (2h) is longer than idle-sleep-max (1h), the longest owners may choose; raise idle-sleep-max or shorten idle-sleep.',
    );
    expect(guildRulesProblem(guildSleepRules({ idleSleep: 'off', idleSleepMax: '90m' }, null))).toContain(
      'idle-sleep (off) is longer than idle-sleep-max (90m)',
    );
    expect(guildRulesProblem(guildSleepRules({ idleSleep: '1h', idleSleepMax: '1h' }, null))).toBeUndefined();
    expect(
      guildRulesProblem(guildSleepRules({ idleSleep: 'off', idleSleepMax: 'off' }, null)),
    ).toBeUndefined();
  });
});

describe('a server’s own idle sleep', () => {
  const guild = guildSleepRules({ idleSleep: '30m', idleSleepMax: '2h' }, null);

  it.each([
    // own setting → period, set by, capped
    [null, 30 * MIN, 'guild', false],
    ['10m', 10 * MIN, 'server', false],
    ['2h', 2 * HOUR, 'server', false],
    // The guild lowered its longest after the owner chose: the guild's longest applies.
    ['3h', 2 * HOUR, 'server', true],
    ['off', 2 * HOUR, 'server', true],
  ] as const)('own %s', (own, afterMs, setBy, capped) => {
    expect(effectiveIdleSleep(guild, own)).toEqual({ afterMs, setBy, capped });
  });

  it('lets an owner choose within the guild’s longest, and says why not beyond it', () => {
    expect(ownIdleSleepProblem(guild, '2h')).toBeUndefined();
    expect(ownIdleSleepProblem(guild, '5m')).toBeUndefined();
    expect(ownIdleSleepProblem(guild, '3h')).toBe(
      'This guild lets a server stay awake at most 2h without players; choose that or less (an admin can raise it with /server settings idle-sleep-max).',
    );
    expect(ownIdleSleepProblem(guild, 'off')).toBe(
      'This guild does not let owners turn idle sleep off; the longest it allows is 2h (an admin sets that with /server settings idle-sleep-max).',
    );
    const anything = guildSleepRules({ idleSleep: '30m', idleSleepMax: 'off' }, null);
    expect(ownIdleSleepProblem(anything, 'off')).toBeUndefined();
    expect(ownIdleSleepProblem(anything, '7d')).toBeUndefined();
  });
});

describe('sleep now?', () => {
  const at = Date.parse('2026-12-07T12:00:00Z');
  const ago = (ms: number) => new Date(at - ms).toISOString();
  const idle: SleepCandidate = {
    state: 'running',
    currentJobId: null,
    playersOnline: 0,
    idleSince: ago(31 * MIN),
    awakeSince: ago(2 * HOUR),
  };

  it.each([
    ['idle for its whole period', idle, 30 * MIN, { sleep: true, idleForMs: 31 * MIN }],
    [
      'exactly its period',
      { ...idle, idleSince: ago(30 * MIN) },
      30 * MIN,
      { sleep: true, idleForMs: 30 * MIN },
    ],
    [
      'a minute short of it',
      { ...idle, idleSince: ago(29 * MIN) },
      30 * MIN,
      { sleep: false, reason: 'not_idle_long_enough' },
    ],
    ['idle sleep off', idle, null, { sleep: false, reason: 'off' }],
    [
      'a player on',
      { ...idle, playersOnline: 1, idleSince: null },
      30 * MIN,
      { sleep: false, reason: 'players' },
    ],
    // A count and an idle clock that disagree: the count wins.
    [
      'a player on, stale clock',
      { ...idle, playersOnline: 2 },
      30 * MIN,
      { sleep: false, reason: 'players' },
    ],
    [
      'no idle clock (a game that cannot count, no traffic yet)',
      { ...idle, playersOnline: null, idleSince: null },
      30 * MIN,
      { sleep: false, reason: 'not_idle' },
    ],
    ['a job on it', { ...idle, currentJobId: 'job_1' }, 30 * MIN, { sleep: false, reason: 'busy' }],
    [
      'stopped by its owner',
      { ...idle, state: 'stopped' },
      30 * MIN,
      { sleep: false, reason: 'not_running' },
    ],
    ['asleep already', { ...idle, state: 'sleeping' }, 30 * MIN, { sleep: false, reason: 'not_running' }],
    [
      'woken 5 min ago (minimum 10)',
      { ...idle, awakeSince: ago(5 * MIN), idleSince: ago(4 * MIN) },
      3 * MIN,
      { sleep: false, reason: 'just_woke' },
    ],
    [
      'woken 11 min ago',
      { ...idle, awakeSince: ago(11 * MIN), idleSince: ago(4 * MIN) },
      3 * MIN,
      { sleep: true, idleForMs: 4 * MIN },
    ],
    [
      'never recorded coming up (older rows)',
      { ...idle, awakeSince: null },
      30 * MIN,
      { sleep: true, idleForMs: 31 * MIN },
    ],
  ] as const)('%s', (_case, server, afterMs, expected) => {
    expect(decideSleep(server as SleepCandidate, afterMs, 10 * MIN, at)).toEqual(expected);
  });

  it('cannot flap: a join and a leave right after a wake keep it awake for the minimum', () => {
    const woke = ago(2 * MIN);
    // Someone joined and left at once; with a 1 min idle period it would sleep again within a minute.
    const afterLeave = { ...idle, awakeSince: woke, idleSince: ago(90_000) };
    expect(decideSleep(afterLeave, MIN, 10 * MIN, at)).toEqual({ sleep: false, reason: 'just_woke' });
    expect(decideSleep(afterLeave, MIN, 10 * MIN, at + 8 * MIN).sleep).toBe(true);
  });
});
