// The idle clock and "today" as pure functions: what each check does to a server's last player and idle time.
import { describe, expect, it } from 'vitest';
import {
  type Activity,
  activityAfter,
  isIdle,
  type PlayerCheck,
  QUERY_NOISE_PACKETS_PER_MINUTE,
  startOfDayIn,
  trafficSignal,
} from '../../src/domain/player-activity.js';

const AT = '2026-12-07T12:00:00.000Z';
const EARLIER = '2026-12-07T11:00:00.000Z';
const fresh: Activity = { lastPlayerAt: null, idleSince: null };
const idleEarlier: Activity = { lastPlayerAt: '2026-12-07T10:00:00.000Z', idleSince: EARLIER };

describe('the idle clock', () => {
  const cases: [string, Activity, PlayerCheck, Activity][] = [
    [
      'players on: seen now, not idle',
      idleEarlier,
      { up: true, players: { online: 3, max: 10 } },
      { lastPlayerAt: AT, idleSince: null },
    ],
    [
      'none on, first time: idle from now',
      fresh,
      { up: true, players: { online: 0, max: 10 } },
      { lastPlayerAt: null, idleSince: AT },
    ],
    [
      'none on, again: idle from the first time',
      idleEarlier,
      { up: true, players: { online: 0, max: 10 } },
      idleEarlier,
    ],
    ['answered without a count: unchanged', idleEarlier, { up: true }, idleEarlier],
    ['answered without a count, never counted: still not idle', fresh, { up: true }, fresh],
    [
      'no answer: unchanged',
      { lastPlayerAt: AT, idleSince: null },
      { up: false },
      { lastPlayerAt: AT, idleSince: null },
    ],
  ];
  it.each(cases)('%s', (_, current, check, expected) => {
    expect(activityAfter(current, check, AT)).toEqual(expected);
  });

  it("goes by the edge's traffic only when the game gives no count", () => {
    const counted = { up: true, players: { online: 0, max: 10 } };
    expect(activityAfter(idleEarlier, counted, AT, 'playing')).toEqual(idleEarlier);
    expect(activityAfter(idleEarlier, { up: true }, AT, 'playing')).toEqual({
      lastPlayerAt: AT,
      idleSince: null,
    });
    expect(activityAfter(fresh, { up: true }, AT, 'quiet')).toEqual({ lastPlayerAt: null, idleSince: AT });
    expect(activityAfter(idleEarlier, { up: false }, AT, 'quiet')).toEqual(idleEarlier);
  });

  it('calls a server idle only once the idle period has passed, and never when it is off', () => {
    const since = Date.parse(EARLIER);
    expect(isIdle(EARLIER, 30 * 60_000, since + 29 * 60_000)).toBe(false);
    expect(isIdle(EARLIER, 30 * 60_000, since + 30 * 60_000)).toBe(true);
    expect(isIdle(null, 30 * 60_000, since + 99 * 60_000)).toBe(false);
    expect(isIdle(EARLIER, null, since + 99 * 3_600_000)).toBe(false);
  });
});

describe("what the edge's traffic says between two checks", () => {
  const mark = (packets: number, at: string) => ({ packets, at });
  const noise = QUERY_NOISE_PACKETS_PER_MINUTE;
  it.each([
    ['a player: far above query noise', mark(1_000, EARLIER), mark(1_000 + 60 * 600, AT), 'playing'],
    ['server-list queries only', mark(1_000, EARLIER), mark(1_000 + 60 * noise, AT), 'quiet'],
    ['nothing at all', mark(1_000, EARLIER), mark(1_000, AT), 'quiet'],
    ['no report since the last check', mark(1_000, AT), mark(5_000, AT), undefined],
    ['the count went back (an edge restarted)', mark(9_000, EARLIER), mark(10, AT), undefined],
    ['no mark before', null, mark(10, AT), undefined],
    ['no edge reports it', mark(10, EARLIER), undefined, undefined],
  ] as const)('%s', (_, before, after, expected) => {
    expect(trafficSignal(before, after)).toBe(expected);
  });
});

describe("today's start in the guild's time zone", () => {
  it.each([
    ['UTC', '2026-12-07T12:34:56.789Z', '2026-12-07T00:00:00.000Z'],
    // Still the 6th in New York (UTC−5 in winter) at 03:00 UTC.
    ['America/New_York', '2026-12-07T03:00:00.500Z', '2026-12-06T05:00:00.000Z'],
    ['Asia/Kolkata', '2026-12-07T20:00:00.000Z', '2026-12-07T18:30:00.000Z'],
    // Summer time: UTC−4.
    ['America/New_York', '2026-07-01T16:00:00.000Z', '2026-07-01T04:00:00.000Z'],
    ['Pacific/Chatham', '2026-12-07T12:00:00.000Z', '2026-12-07T10:15:00.000Z'],
  ])('%s at %s: %s', (zone, at, midnight) => {
    expect(startOfDayIn(zone, Date.parse(at))).toBe(midnight);
  });
});
