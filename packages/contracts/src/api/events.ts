import { z } from 'zod';

export const EVENT_TYPES = [
  'server.created',
  'server.state_changed',
  'server.deleted',
  'job.queued',
  'job.started',
  'job.succeeded',
  'job.failed',
  'step.started',
  'step.progress',
  'step.succeeded',
  'step.failed',
  'server.drift',
] as const;
export const eventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof eventTypeSchema>;

/** One entry of the outbox the bot, the CLI and webhooks read; `id` only ever grows and is the cursor. */
export const eventSchema = z.object({
  id: z.number().int(),
  type: eventTypeSchema,
  serverId: z.string().nullable(),
  jobId: z.string().nullable(),
  guildId: z.string().nullable(),
  ownerId: z.string().nullable(),
  channelId: z.string().nullable(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type GuildEvent = z.infer<typeof eventSchema>;

export const eventsPageSchema = z.object({
  events: z.array(eventSchema),
  /** Pass as `after` to continue; equals the last event's id, or the `after` given when none came. */
  cursor: z.number().int(),
});
export type EventsPage = z.infer<typeof eventsPageSchema>;

export const eventsQuerySchema = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  guildId: z.string().optional(),
  serverId: z.string().optional(),
});
