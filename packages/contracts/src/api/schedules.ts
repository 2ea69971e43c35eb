import { z } from 'zod';
import { idleSleepTextSchema } from './servers.js';

/** What a schedule does to its server; a stop and a start at two times make an "off" window. */
export const SCHEDULE_ACTIONS = ['restart', 'backup', 'stop', 'start'] as const;
export const scheduleActionSchema = z.enum(SCHEDULE_ACTIONS);
export type ScheduleAction = z.infer<typeof scheduleActionSchema>;

/** `HH:MM`, 24-hour, in the guild's time zone. */
export const timeOfDaySchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM, such as 04:30');

/** Backups every N hours, at minute 0, counted from midnight in the guild's time zone. */
export const BACKUP_EVERY_HOURS = [1, 2, 3, 4, 6, 8, 12] as const;

/** Daily at a time (`at`), or — backups only — every N hours (`everyHours`): exactly one of the two. */
export const createScheduleRequestSchema = z
  .strictObject({
    action: scheduleActionSchema,
    at: timeOfDaySchema.optional(),
    everyHours: z
      .number()
      .int()
      .refine((n) => (BACKUP_EVERY_HOURS as readonly number[]).includes(n), {
        message: `must be one of ${BACKUP_EVERY_HOURS.join(', ')} (hours that divide a day)`,
      })
      .optional(),
  })
  .superRefine((request, ctx) => {
    if ((request.at === undefined) === (request.everyHours === undefined))
      ctx.addIssue({
        code: 'custom',
        message: 'needs either at (a time of day, HH:MM) or, for a backup, everyHours',
      });
    else if (request.everyHours !== undefined && request.action !== 'backup')
      ctx.addIssue({
        code: 'custom',
        path: ['everyHours'],
        message: 'is for backups only; other actions run daily at a time (at: HH:MM)',
      });
  });
export type CreateScheduleRequest = z.infer<typeof createScheduleRequestSchema>;

export const scheduleSchema = z.object({
  id: z.string(),
  serverId: z.string(),
  action: scheduleActionSchema,
  /** Daily at this time… */
  at: timeOfDaySchema.nullable(),
  /** …or (backups) every N hours. */
  everyHours: z.number().int().nullable(),
  /** The guild's IANA time zone the times are in. */
  timeZone: z.string(),
  /** The next run, as BullMQ's job scheduler has it (ISO); null while the scheduler is not registered. */
  nextRunAt: z.string().nullable(),
  /** The last run: what happened (a job queued, skipped while another ran, refused), once it has run. */
  lastRun: z
    .object({
      at: z.string(),
      outcome: z.enum(['queued', 'skipped', 'failed']),
      jobId: z.string().nullable(),
      note: z.string(),
    })
    .nullable(),
  createdAt: z.string(),
});
export type Schedule = z.infer<typeof scheduleSchema>;

export const scheduleListSchema = z.object({ schedules: z.array(scheduleSchema) });
export type ScheduleList = z.infer<typeof scheduleListSchema>;

/** A guild's own settings, set by its admins. */
export const guildSettingsSchema = z.object({
  guildId: z.string(),
  /** IANA time zone of its schedules; UTC until set. */
  timeZone: z.string(),
  /** Where failed schedules are also reported, besides the server's own channel. */
  adminChannelId: z.string().nullable(),
  /** After how long without players its servers sleep (`off`: never), unless an owner set their own. */
  idleSleep: z.string(),
  /** Whether that is the guild's own setting or IDLE_SLEEP_AFTER. */
  idleSleepSetBy: z.enum(['guild', 'default']),
  /** The longest idle period an owner may set for their server; `off`: any, and owners may turn sleep off. */
  idleSleepMax: z.string(),
});
export type GuildSettings = z.infer<typeof guildSettingsSchema>;

export const updateGuildSettingsRequestSchema = z.strictObject({
  timeZone: z.string().optional(),
  adminChannelId: z
    .string()
    .regex(/^\d{17,20}$/, 'must be a Discord channel id')
    .nullable()
    .optional(),
  /** `off`, a length of time, or `default` (IDLE_SLEEP_AFTER). */
  idleSleep: z.union([z.literal('default'), idleSleepTextSchema]).optional(),
  /** `off` (no limit), a length of time, or `default` (the guild's idle-sleep: owners may only shorten it). */
  idleSleepMax: z.union([z.literal('default'), idleSleepTextSchema]).optional(),
});
export type UpdateGuildSettingsRequest = z.infer<typeof updateGuildSettingsRequestSchema>;
