// What /server schedule add and off are given, read as the API's requests, with one sentence for each way it
// can be wrong (before the API is asked).
import {
  BACKUP_EVERY_HOURS,
  type CreateScheduleRequest,
  type ScheduleAction,
  timeOfDaySchema,
} from '@guildserver/contracts';
import { BotError } from '../core/bot-error.js';

export const AT_AND_EVERY_SENTENCE =
  'Give either `at` (daily at a time) or `every` (backups every few hours), not both.';

/** `04:30`; `4:30` is read as `04:30`. The option's name goes in the sentence when it will not do. */
export function parseTimeOfDay(text: string, option: string): string {
  const typed = text.trim();
  const padded = /^\d:\d\d$/.test(typed) ? `0${typed}` : typed;
  if (timeOfDaySchema.safeParse(padded).success) return padded;
  throw new BotError(
    'schedule_invalid',
    `\`${option}\` must be a time of day as HH:MM on a 24-hour clock, such as 04:30.`,
  );
}

/** `/server schedule add`'s options: exactly one of `at` and `every`, and `every` for backups only. */
export function scheduleRequest(
  action: ScheduleAction,
  at: string | null,
  every: number | null,
): CreateScheduleRequest {
  if (at !== null && every !== null) throw new BotError('schedule_invalid', AT_AND_EVERY_SENTENCE);
  if (every !== null) {
    if (action !== 'backup')
      throw new BotError(
        'schedule_invalid',
        `Only backups run every few hours; give the ${action} a time of day with \`at\`.`,
      );
    if (!(BACKUP_EVERY_HOURS as readonly number[]).includes(every))
      throw new BotError(
        'schedule_invalid',
        `\`every\` must be one of ${BACKUP_EVERY_HOURS.join(', ')} hours (hours that divide a day).`,
      );
    return { action, everyHours: every };
  }
  if (at === null)
    throw new BotError(
      'schedule_invalid',
      action === 'backup'
        ? 'Give `at`, the time of day as HH:MM, or `every`, how many hours apart.'
        : 'Give `at`, the time of day as HH:MM.',
    );
  return { action, at: parseTimeOfDay(at, 'at') };
}

/** `/server schedule off`: the stop at `from` and the start at `to`, which must differ. */
export function offWindow(from: string, to: string): { stopAt: string; startAt: string } {
  const stopAt = parseTimeOfDay(from, 'from');
  const startAt = parseTimeOfDay(to, 'to');
  if (stopAt === startAt)
    throw new BotError('schedule_invalid', '`from` and `to` must differ: the server is off between them.');
  return { stopAt, startAt };
}
