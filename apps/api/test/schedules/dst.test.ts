// A schedule's times across daylight-saving changes, computed the way BullMQ's job scheduler computes its next
// run (its default repeat strategy over our cron pattern and the guild's zone), from a fake "now" each time —
// not the wall clock.
import { defaultRepeatStrategy } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { cronOf, type ScheduleTiming, warningCronOf } from '../../src/domain/schedule-patterns.js';

/** The next `count` runs after `from`, as UTC instants. */
function runsAfter(from: string, pattern: string, tz: string, count = 3): string[] {
  const runs: string[] = [];
  let at = Date.parse(from);
  for (let i = 0; i < count; i++) {
    at = defaultRepeatStrategy(at, { pattern, tz })!;
    runs.push(new Date(at).toISOString());
  }
  return runs;
}

const daily = (action: ScheduleTiming['action'], at: string) => cronOf({ action, at, everyHours: null });

describe('schedules across daylight-saving changes (Europe/Berlin: 29 Mar and 25 Oct 2026)', () => {
  it('a daily restart at 04:30 stays at 04:30 local time on both sides of each change', () => {
    expect(runsAfter('2026-03-28T12:00:00Z', daily('restart', '04:30'), 'Europe/Berlin')).toEqual([
      '2026-03-29T02:30:00.000Z', // 04:30 CEST, the first summer morning
      '2026-03-30T02:30:00.000Z',
      '2026-03-31T02:30:00.000Z',
    ]);
    expect(runsAfter('2026-10-24T12:00:00Z', daily('restart', '04:30'), 'Europe/Berlin')).toEqual([
      '2026-10-25T03:30:00.000Z', // 04:30 CET, the first winter morning
      '2026-10-26T03:30:00.000Z',
      '2026-10-27T03:30:00.000Z',
    ]);
  });

  it('a time the spring change skips runs once that day, an hour later; one it repeats in autumn runs once', () => {
    // 02:30 does not exist on 29 March: the backup runs at 03:30 CEST, then at 02:30 CEST again.
    expect(runsAfter('2026-03-28T12:00:00Z', daily('backup', '02:30'), 'Europe/Berlin')).toEqual([
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
    // 02:30 happens twice on 25 October: the first time only.
    expect(runsAfter('2026-10-24T12:00:00Z', daily('backup', '02:30'), 'Europe/Berlin')).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('backups every 6 hours keep to 00:00, 06:00, 12:00 local time through the autumn change', () => {
    expect(
      runsAfter(
        '2026-10-24T20:00:00Z',
        cronOf({ action: 'backup', at: null, everyHours: 6 }),
        'Europe/Berlin',
      ),
    ).toEqual([
      '2026-10-24T22:00:00.000Z', // 00:00 CEST
      '2026-10-25T05:00:00.000Z', // 06:00 CET: seven hours later by the clock on the wall of the server room
      '2026-10-25T11:00:00.000Z', // 12:00 CET
    ]);
  });

  it('warnings come 5 and 1 minutes before, the day before for a restart just after midnight', () => {
    expect(warningCronOf('04:30', 5)).toBe('25 4 * * *');
    expect(warningCronOf('00:03', 5)).toBe('58 23 * * *');
    expect(runsAfter('2026-03-28T12:00:00Z', warningCronOf('04:30', 1), 'Europe/Berlin', 1)).toEqual([
      '2026-03-29T02:29:00.000Z',
    ]);
  });

  it('follows another zone’s own change date (New York: 8 Mar 2026)', () => {
    expect(runsAfter('2026-03-07T12:00:00Z', daily('stop', '02:30'), 'America/New_York')).toEqual([
      '2026-03-08T07:30:00.000Z', // 02:30 does not exist: 03:30 EDT
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
  });
});
