// Where a notice goes: pure decisions, given the event, what the bot remembers of the interaction, and now.
import type { EventType, GuildEvent, GuildEventOf } from '@guildserver/contracts';
import { INTERACTION_TOKEN_TTL_MS, type TrackedInteraction } from '../state/bot-state.js';

/** Stop using a token a little before Discord does, so an edit never races its death. */
export const TOKEN_SAFETY_MS = 30_000;

/** Events after which a job's message is worth re-rendering. */
const PROGRESS: ReadonlySet<EventType> = new Set([
  'job.started',
  'step.started',
  'step.succeeded',
  'step.failed',
]);
const FINAL: ReadonlySet<EventType> = new Set(['job.succeeded', 'job.failed']);

/** Whether this event can change what a job's message shows (so an earlier progress render may be skipped). */
export const changesJobView = (type: EventType) => PROGRESS.has(type) || FINAL.has(type);

/** How a job ended: the event its final notice is made from. */
export type JobOutcomeEvent = GuildEventOf<'job.succeeded' | 'job.failed'>;
export const isJobOutcome = (event: GuildEvent): event is JobOutcomeEvent => FINAL.has(event.type);

/** Drift the owner is told about: their server's VM is gone, or was started or stopped outside GuildServer. */
export type AnnouncedDrift = GuildEventOf<'server.drift'> & {
  data: { reason: 'vm_missing' | 'power_state' };
};
export const isAnnouncedDrift = (event: GuildEvent): event is AnnouncedDrift =>
  event.type === 'server.drift' &&
  (event.data.reason === 'vm_missing' || event.data.reason === 'power_state');

/** A wake a player's join at the edge asked for: the channel hears that someone is joining, once. */
export type JoinWakeEvent = GuildEventOf<'job.queued'>;
export const isJoinWake = (event: GuildEvent): event is JoinWakeEvent =>
  event.type === 'job.queued' && event.data.kind === 'wake' && event.data.trigger === 'join';

/**
 * A scheduled run that failed (told once, to the owner and the guild's admin channel) or was skipped (a quiet
 * line). `schedule.warned` is for the players in-game only.
 */
export type ScheduleNoticeEvent = GuildEventOf<'schedule.failed' | 'schedule.skipped'>;
export const isScheduleNotice = (event: GuildEvent): event is ScheduleNoticeEvent =>
  event.type === 'schedule.failed' || event.type === 'schedule.skipped';

export type NoticeDecision =
  /** Re-render the job's message through the interaction token (progress, or the final state). */
  | { kind: 'edit'; final: boolean }
  /** The token is dead or there never was one: the final notice goes to the channel, mentioning the user. */
  | {
      kind: 'channel';
      mention: string;
      channelId: string;
      final: true;
      reason: 'expired' | 'outside' | 'drift';
    }
  | { kind: 'none' };

export const tokenAlive = (tracked: TrackedInteraction, now: number) =>
  !tracked.expired && now - tracked.receivedAt < INTERACTION_TOKEN_TTL_MS - TOKEN_SAFETY_MS;

/**
 * @param newerForSameJob a later event of the same job is already waiting: skip this progress render (the
 *   later one shows more). Final notices are never skipped.
 */
export function decideNotice(
  event: GuildEvent,
  tracked: TrackedInteraction | undefined,
  now: number,
  newerForSameJob = false,
): NoticeDecision {
  if (event.type === 'server.drift') {
    // Changes found by the reconciler (a VM gone, started or stopped outside GuildServer).
    if (!event.serverId || !event.channelId || !event.ownerId || !isAnnouncedDrift(event)) {
      return { kind: 'none' };
    }
    return {
      kind: 'channel',
      mention: event.ownerId,
      channelId: event.channelId,
      final: true,
      reason: 'drift',
    };
  }
  if (!event.jobId) return { kind: 'none' };
  const final = isJobOutcome(event);
  if (!final && !PROGRESS.has(event.type)) return { kind: 'none' };
  if (tracked && tokenAlive(tracked, now)) {
    if (!final && newerForSameJob) return { kind: 'none' };
    return { kind: 'edit', final };
  }
  if (!final) return { kind: 'none' };
  if (tracked) {
    return {
      kind: 'channel',
      mention: tracked.userId,
      channelId: tracked.channelId,
      final: true,
      reason: 'expired',
    };
  }
  // A job nobody started from Discord (the CLI, an admin token, a retry): announced to its owner.
  if (!event.channelId || !event.ownerId) return { kind: 'none' };
  return {
    kind: 'channel',
    mention: event.ownerId,
    channelId: event.channelId,
    final: true,
    reason: 'outside',
  };
}

/**
 * Someone else (a guild admin, in Discord) finished a job on a user's server: the final notice reaches the one
 * who asked, and the owner is told in the server's channel as well.
 */
export function ownerToTell(
  event: GuildEvent,
  tracked: TrackedInteraction | undefined,
): { ownerId: string; channelId: string; by: string } | undefined {
  if (!tracked || !isJobOutcome(event) || !event.ownerId || !event.channelId) return undefined;
  if (event.ownerId === tracked.userId) return undefined;
  return { ownerId: event.ownerId, channelId: event.channelId, by: tracked.userId };
}

/** Discord error codes that mean "this channel will not take the message": try a DM instead. */
export const CHANNEL_UNWRITABLE_CODES: ReadonlySet<number> = new Set([50013, 50001, 10003]);
/** The interaction token is no longer usable. */
export const TOKEN_DEAD_CODES: ReadonlySet<number> = new Set([50027, 10062, 10015, 10008]);
/** The user does not take DMs from the bot: log, never retry. */
export const DMS_CLOSED_CODE = 50007;
