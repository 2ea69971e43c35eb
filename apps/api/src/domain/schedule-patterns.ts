// A schedule as BullMQ's job scheduler runs it: a cron pattern in the guild's IANA time zone (cron-parser
// applies the zone, so 04:00 stays 04:00 local across daylight-saving changes). Pure.
import type { ScheduleAction } from '@guildserver/contracts';

export interface ScheduleTiming {
  action: ScheduleAction;
  /** `HH:MM`, daily. */
  at: string | null;
  /** Backups: every N hours from midnight. */
  everyHours: number | null;
}

/** Players hear of a scheduled restart this many minutes before it (where the game has a way to say it). */
export const RESTART_WARNINGS = [5, 1] as const;

const minutesOf = (at: string) => {
  const [hours, minutes] = at.split(':').map(Number);
  return hours! * 60 + minutes!;
};

const daily = (minuteOfDay: number) => `${minuteOfDay % 60} ${Math.floor(minuteOfDay / 60)} * * *`;

/** The cron pattern of the schedule's own runs. */
export function cronOf(timing: ScheduleTiming): string {
  if (timing.at !== null) return daily(minutesOf(timing.at));
  return `0 */${timing.everyHours} * * *`;
}

/** The cron pattern of a warning `minutesBefore` a daily run (the day before, for a run just after midnight). */
export function warningCronOf(at: string, minutesBefore: number): string {
  return daily((minutesOf(at) - minutesBefore + 24 * 60) % (24 * 60));
}

/** The warnings a schedule gives before its runs: restarts only, and only at a time of day. */
export function warningsOf(timing: ScheduleTiming): readonly number[] {
  return timing.action === 'restart' && timing.at !== null ? RESTART_WARNINGS : [];
}

/** "daily at 04:30" / "every 6 hours", for people. */
export function whenText(timing: ScheduleTiming): string {
  return timing.at !== null ? `daily at ${timing.at}` : `every ${timing.everyHours} hours`;
}

/** Whether a time zone is one the runtime (and cron-parser) knows, such as Europe/Berlin. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}
