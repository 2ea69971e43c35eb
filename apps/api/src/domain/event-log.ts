// Every event the API writes is made here: its typed data (see EVENT_DATA in the contracts) and, from that
// data, the one sentence people read in webhooks and logs.
import type { DriftData, EventData, EventType } from '@guildserver/contracts';
import type { Db } from '../db/database.js';
import { OUR_TAG } from '../reconciler/reconcile.js';
import { appendEvent, type NewEvent } from './events.js';

/** The server an event is about, and the job that made it, if one did. */
export interface EventSubject {
  server: { id: string; name: string; guildId: string; ownerId: string; channelId: string };
  jobId?: string;
}

type OrphanData = Extract<DriftData, { reason: 'orphan_vm' | 'orphan_destroyed' }>;
type WithoutServerName<T> = T extends unknown ? Omit<T, 'serverName'> : never;

/** An event with its data as written. */
export type WrittenEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];

/** An event about a server, as its writer gives it: the server's name is added from the subject. */
export type ServerEvent = {
  [T in EventType]: { type: T; data: WithoutServerName<Exclude<EventData<T>, OrphanData>> };
}[EventType];

type Writer = Pick<Db, 'insert'>;

const capitalised = (kind: string) => `${kind[0]!.toUpperCase()}${kind.slice(1)}`;

function stateSentence(data: EventData<'server.state_changed'>): string {
  if (data.to === 'deleted') return 'was deleted.';
  if (data.to === 'failed') return data.reason === 'vm_missing' ? 'failed: its VM is missing.' : 'failed.';
  return `is ${data.to}.`;
}

function driftSentence(data: DriftData): string {
  switch (data.reason) {
    case 'vm_missing':
      return `The VM${data.vmid === null ? '' : ` ${data.vmid}`} of '${data.serverName}' is gone from Proxmox; it was removed outside GuildServer.`;
    case 'power_state':
      return `VM ${data.vmid} of '${data.serverName}' is ${data.actual} but GuildServer had it ${data.expected}: it was ${data.actual === 'running' ? 'started' : 'stopped'} outside GuildServer.`;
    case 'node_moved':
      return `VM ${data.vmid} of '${data.serverName}' moved from ${data.from ?? 'no node'} to ${data.to}.`;
    case 'orphan_vm':
      return `VM ${data.vmid} on ${data.node} carries the ${OUR_TAG} tag but no server owns it${data.destroyAfterSeconds === null ? '' : `; it will be destroyed after ${data.destroyAfterSeconds} s`}.`;
    case 'orphan_destroyed':
      return `Destroyed VM ${data.vmid} on ${data.node}: tagged ${OUR_TAG} but no server owned it for ${data.ageSeconds} s.`;
  }
}

/** The event's facts as one sentence, for people. */
export function sentenceOf(event: WrittenEvent): string {
  switch (event.type) {
    case 'server.created':
      return `Server '${event.data.serverName}' (${event.data.gameName}) is being created.`;
    case 'server.state_changed':
      return `Server '${event.data.serverName}' ${stateSentence(event.data)}`;
    case 'server.deleted':
      return `Server '${event.data.serverName}' was deleted.`;
    case 'job.queued':
      return event.data.retryOf === undefined
        ? `${capitalised(event.data.kind)} queued.`
        : `Retrying the ${event.data.kind} of '${event.data.serverName}'.`;
    case 'job.started':
      return `${capitalised(event.data.kind)} of '${event.data.serverName}' started.`;
    case 'job.succeeded':
      return `${capitalised(event.data.kind)} of '${event.data.serverName}' finished.`;
    case 'job.failed':
      return `${capitalised(event.data.kind)} of '${event.data.serverName}' failed: ${event.data.reason}`;
    case 'step.started':
      return `${event.data.title}…`;
    case 'step.progress':
      return event.data.note;
    case 'step.succeeded':
      return `${event.data.title}: ${event.data.detail}`;
    case 'step.failed':
      return `${event.data.title} failed: ${event.data.reason}`;
    case 'server.drift':
      return driftSentence(event.data);
    case 'schedule.skipped':
      return `The scheduled ${event.data.action} of '${event.data.serverName}' was skipped: ${event.data.reason}`;
    case 'schedule.failed':
      return `The scheduled ${event.data.action} of '${event.data.serverName}' failed: ${event.data.reason}`;
    case 'schedule.warned':
      return event.data.note;
    case 'image.build_queued':
      return `Image build of ${event.data.game} queued (VM ${event.data.vmid}${BUILD_REASONS[event.data.reason]}).`;
    case 'image.build_step':
      return event.data.state === 'started'
        ? `Image of ${event.data.game}: ${event.data.title}…`
        : `Image of ${event.data.game}: ${event.data.title}: ${event.data.detail ?? 'done'}`;
    case 'image.build_progress':
      return `Image of ${event.data.game}: ${event.data.note}`;
    case 'image.build_succeeded':
      return `Image of ${event.data.game} built: template VM ${event.data.vmid}, recipe ${event.data.recipe} (${Math.round(event.data.durationMs / 1000)} s).`;
    case 'image.build_failed':
      return `Image build of ${event.data.game} failed: ${event.data.reason}`;
  }
}

const BUILD_REASONS = {
  asked: '',
  schedule: ', the weekly rebuild',
  recipe_changed: ', its recipe changed',
} as const;

function outboxRow(event: WrittenEvent, subject?: EventSubject): NewEvent {
  return {
    type: event.type,
    message: sentenceOf(event),
    data: event.data,
    ...(subject && {
      serverId: subject.server.id,
      jobId: subject.jobId ?? null,
      guildId: subject.server.guildId,
      ownerId: subject.server.ownerId,
      channelId: subject.server.channelId,
    }),
  };
}

/** The outbox row of an event about a server. */
export function serverEventRow(subject: EventSubject, event: ServerEvent): NewEvent {
  // The spread loses the tie between `type` and `data` that ServerEvent guarantees.
  const written = {
    type: event.type,
    data: { serverName: subject.server.name, ...event.data },
  } as WrittenEvent;
  return outboxRow(written, subject);
}

/** An event of a game image's build: admins read it (it names no guild). */
export type ImageBuildEvent = Extract<WrittenEvent, { type: `image.${string}` }>;

/** Appends an image build's event. Call inside the transaction that made the change. */
export const recordImageEvent = (db: Writer, event: ImageBuildEvent): RecordedEvent =>
  record(db, outboxRow(event));

/** The outbox row of a VM tagged as ours that no server owns. */
export function orphanEventRow(data: OrphanData): NewEvent {
  return outboxRow({ type: 'server.drift', data });
}

export interface RecordedEvent {
  id: number;
  message: string;
}

function record(db: Writer, row: NewEvent): RecordedEvent {
  return { id: appendEvent(db, row), message: row.message };
}

/** Appends an event about a server. Call inside the transaction that made the change. */
export const recordEvent = (db: Writer, subject: EventSubject, event: ServerEvent): RecordedEvent =>
  record(db, serverEventRow(subject, event));

/** Appends an orphan VM's event. Call inside the transaction that made the change, if any. */
export const recordOrphanEvent = (db: Writer, data: OrphanData): RecordedEvent =>
  record(db, orphanEventRow(data));
