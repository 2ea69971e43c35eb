import { z } from 'zod';
import { vmSizeSchema } from '../vm-size.js';
import { imageBuildReasonSchema } from './images.js';
import { jobKindSchema } from './jobs.js';
import { scheduleActionSchema } from './schedules.js';
import { serverStateSchema } from './servers.js';

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
  'schedule.skipped',
  'schedule.failed',
  'schedule.warned',
  'image.build_queued',
  'image.build_step',
  'image.build_progress',
  'image.build_succeeded',
  'image.build_failed',
] as const;
export const eventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof eventTypeSchema>;

// Each type's `data`, as the API writes it. Clients render from these fields; `message` is the same facts
// as a sentence for people (webhooks, logs) and is never read back.

/** An event about a server names it: by the time the event is read the server may be gone. */
const serverName = z.string();
const vmid = z.number().int();
const powerStateSchema = z.enum(['running', 'stopped']);

const serverCreatedData = z.object({
  serverName,
  game: z.string(),
  /** The game's display name. */
  gameName: z.string(),
  vmid,
  size: vmSizeSchema,
});

const serverStateChangedData = z.object({
  serverName,
  from: serverStateSchema,
  to: serverStateSchema,
  /** Set when no job made the change: the VM changed outside GuildServer, or is gone. */
  reason: z.enum(['outside', 'vm_missing']).optional(),
  /** The failure's code, when a job failed. */
  code: z.string().optional(),
});

const serverDeletedData = z.object({ serverName });

const jobData = z.object({ serverName, kind: jobKindSchema });
const jobQueuedData = jobData.extend({
  /** The failed job this one retries. */
  retryOf: z.string().optional(),
  /** `join`: a wake a player's join attempt at the edge asked for. */
  trigger: z.enum(['join']).optional(),
});
const jobFailedData = jobData.extend({
  step: z.string().nullable(),
  code: z.string(),
  /** One sentence: why it failed. */
  reason: z.string(),
});

const stepData = z.object({ serverName, step: z.string(), position: z.number().int(), title: z.string() });
const stepStartedData = stepData.extend({ attempt: z.number().int() });
/** What a progress note may add besides its sentence. */
const progressDetailsSchema = z.object({
  /** A transient failure: the step runs again shortly. */
  retrying: z.boolean().optional(),
  code: z.string().optional(),
  /** A failed create removing what it made. */
  cleanup: z.boolean().optional(),
  attempt: z.number().int().optional(),
  /** A VM id found taken (`from`) and the one used instead (`to`). */
  from: vmid.optional(),
  to: vmid.optional(),
});
export type ProgressDetails = z.infer<typeof progressDetailsSchema>;
const stepProgressData = stepData.omit({ title: true }).extend({
  note: z.string(),
  ...progressDetailsSchema.shape,
});
const stepSucceededData = stepData.extend({ detail: z.string(), durationMs: z.number().optional() });
const stepFailedData = stepData.extend({
  code: z.string(),
  reason: z.string(),
  durationMs: z.number().optional(),
});

const vmMissingData = z.object({ reason: z.literal('vm_missing'), serverName, vmid: vmid.nullable() });
const powerStateData = z.object({
  reason: z.literal('power_state'),
  serverName,
  vmid,
  expected: powerStateSchema,
  actual: powerStateSchema,
});
const nodeMovedData = z.object({
  reason: z.literal('node_moved'),
  serverName,
  vmid,
  from: z.string().nullable(),
  to: z.string(),
});
/** A VM tagged as ours that no server owns; `taggedServerId` is the server its tags name, if any. */
const orphanVmData = z.object({
  reason: z.literal('orphan_vm'),
  vmid,
  node: z.string(),
  taggedServerId: z.string().nullable(),
  /** The VM's name at Proxmox. */
  name: z.string().nullable(),
  /** Null when orphans are only reported. */
  destroyAfterSeconds: z.number().nullable(),
});
const orphanDestroyedData = z.object({
  reason: z.literal('orphan_destroyed'),
  vmid,
  node: z.string(),
  taggedServerId: z.string().nullable(),
  ageSeconds: z.number(),
});

const scheduleData = z.object({
  serverName,
  scheduleId: z.string(),
  action: scheduleActionSchema,
});
/** A run that did not happen: the server was busy with another job, or not in a state the action allows. */
const scheduleSkippedData = scheduleData.extend({ reason: z.string() });
/** A scheduled job failed; said once until one of its runs succeeds again. */
const scheduleFailedData = scheduleData.extend({
  /** The job that failed; null when the run was refused before a job was made (a quota). */
  jobId: z.string().nullable(),
  code: z.string(),
  reason: z.string(),
});
/** Players were warned in-game before a scheduled restart (or could not be: `delivered` false). */
const scheduleWarnedData = scheduleData.extend({
  minutes: z.number().int(),
  delivered: z.boolean(),
  note: z.string(),
});

/** Events of a game image's build: for admins (no guild, no server). */
const imageBuildData = z.object({ game: z.string(), buildId: z.string(), vmid });
const imageBuildQueuedData = imageBuildData.extend({ reason: imageBuildReasonSchema });
const imageBuildStepData = imageBuildData.extend({
  step: z.string(),
  title: z.string(),
  state: z.enum(['started', 'succeeded']),
  detail: z.string().optional(),
  durationMs: z.number().optional(),
});
const imageBuildProgressData = imageBuildData.extend({ step: z.string(), note: z.string() });
const imageBuildSucceededData = imageBuildData.extend({ recipe: z.string(), durationMs: z.number() });
const imageBuildFailedData = imageBuildData.extend({
  step: z.string().nullable(),
  code: z.string(),
  reason: z.string(),
});

/** The data of each event type as the API writes it now. */
export const EVENT_DATA = {
  'server.created': serverCreatedData,
  'server.state_changed': serverStateChangedData,
  'server.deleted': serverDeletedData,
  'job.queued': jobQueuedData,
  'job.started': jobData,
  'job.succeeded': jobData,
  'job.failed': jobFailedData,
  'step.started': stepStartedData,
  'step.progress': stepProgressData,
  'step.succeeded': stepSucceededData,
  'step.failed': stepFailedData,
  'server.drift': z.discriminatedUnion('reason', [
    vmMissingData,
    powerStateData,
    nodeMovedData,
    orphanVmData,
    orphanDestroyedData,
  ]),
  'schedule.skipped': scheduleSkippedData,
  'schedule.failed': scheduleFailedData,
  'schedule.warned': scheduleWarnedData,
  'image.build_queued': imageBuildQueuedData,
  'image.build_step': imageBuildStepData,
  'image.build_progress': imageBuildProgressData,
  'image.build_succeeded': imageBuildSucceededData,
  'image.build_failed': imageBuildFailedData,
} satisfies Record<EventType, z.ZodType>;
/** An event's data as written now (every field the API fills in). */
export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA)[T]>;
export type DriftData = EventData<'server.drift'>;

// Events written before `data` was typed lack some of these fields: the cursor a bot holds may still point
// at them, so they parse with those fields optional, and clients fall back when one is missing.
const named = { serverName: true } as const;

const envelope = {
  id: z.number().int(),
  serverId: z.string().nullable(),
  jobId: z.string().nullable(),
  guildId: z.string().nullable(),
  ownerId: z.string().nullable(),
  channelId: z.string().nullable(),
  /** The facts of `data` as one sentence, for people. */
  message: z.string(),
  createdAt: z.string(),
};
const event = <T extends EventType, D extends z.ZodType>(type: T, data: D) =>
  z.object({ ...envelope, type: z.literal(type), data });

/** One entry of the outbox the bot, the CLI and webhooks read; `id` only ever grows and is the cursor. */
export const eventSchema = z.discriminatedUnion('type', [
  event('server.created', serverCreatedData.partial({ ...named, gameName: true })),
  event('server.state_changed', serverStateChangedData.partial(named)),
  event('server.deleted', serverDeletedData.partial(named)),
  event('job.queued', jobQueuedData.partial(named)),
  event('job.started', jobData.partial(named)),
  event('job.succeeded', jobData.partial(named)),
  event('job.failed', jobFailedData.partial({ ...named, reason: true })),
  event('step.started', stepStartedData.partial(named)),
  event('step.progress', stepProgressData.partial({ ...named, note: true })),
  event('step.succeeded', stepSucceededData.partial({ ...named, title: true })),
  event('step.failed', stepFailedData.partial({ ...named, title: true, reason: true })),
  event(
    'server.drift',
    z.discriminatedUnion('reason', [
      vmMissingData.partial(named),
      powerStateData.partial(named),
      nodeMovedData.partial(named),
      orphanVmData.partial({ destroyAfterSeconds: true }),
      orphanDestroyedData.partial({ ageSeconds: true }),
    ]),
  ),
  event('schedule.skipped', scheduleSkippedData),
  event('schedule.failed', scheduleFailedData),
  event('schedule.warned', scheduleWarnedData),
  event('image.build_queued', imageBuildQueuedData),
  event('image.build_step', imageBuildStepData),
  event('image.build_progress', imageBuildProgressData),
  event('image.build_succeeded', imageBuildSucceededData),
  event('image.build_failed', imageBuildFailedData),
]);
export type GuildEvent = z.infer<typeof eventSchema>;
/** The event of one type, as clients read it (older events included). */
export type GuildEventOf<T extends EventType> = Extract<GuildEvent, { type: T }>;

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
