// The channel and DM notices: one sentence each, from an event's data and what the bot looked up. Events
// written before the data was typed may lack the server's name or the failure's reason: the lookups stand in.
import { formatDuration, type Reach, reachOf, type Server } from '@guildserver/contracts';
import type { AnnouncedDrift, JobOutcomeEvent, ScheduleNoticeEvent } from '../notices/routing.js';
import type { TrackedInteraction } from '../state/bot-state.js';
import { finalSentence, UNDELETE_HINT } from './views.js';

/** Discord allows 2000 characters; the mention goes in front. */
const MAX_NOTICE = 1800;
const NO_NAME = 'Your server';

export interface JobNoticeFacts {
  /** The server as the API has it now; not looked up for a delete. */
  server: Server | undefined;
  /** The interaction that started the job, when it came from Discord. */
  tracked: Pick<TrackedInteraction, 'serverName'> | undefined;
  hostExternal: string;
  /** Why the job failed, from the job itself, for an event that predates `data.reason`. */
  failure?: string | undefined;
  /** Who changed the server, when the notice goes to its owner rather than to them. */
  by?: string | undefined;
  /** A delete that made a final backup: the notice says how to bring the server back. */
  undoable?: boolean | undefined;
}

export function jobNotice(event: JobOutcomeEvent, facts: JobNoticeFacts): string {
  const { server, tracked } = facts;
  const succeeded = event.type === 'job.succeeded';
  const name = server?.name ?? tracked?.serverName ?? event.data.serverName ?? NO_NAME;
  const reach = server ? reachOf(server, facts.hostExternal) : undefined;
  let sentence = finalSentence(event.data.kind, succeeded, name, reach);
  const why = event.type === 'job.failed' ? (event.data.reason ?? facts.failure) : undefined;
  if (why) sentence += ` ${why}`;
  if (succeeded && event.data.kind === 'delete' && facts.undoable) sentence += ` ${UNDELETE_HINT}`;
  if (!tracked) sentence += ' (changed outside Discord)';
  if (facts.by) sentence += ` (by <@${facts.by}>)`;
  return sentence.slice(0, MAX_NOTICE);
}

/** An idle server fell asleep: a quiet line in its channel, pinging nobody. */
export function sleptNotice(server: Pick<Server, 'name' | 'sleep' | 'publication'>): string {
  const after =
    server.sleep.afterMs === null ? '' : ` after ${formatDuration(server.sleep.afterMs)} without players`;
  const ready = server.sleep.wakeSeconds === null ? '' : ` (usually ready in ${server.sleep.wakeSeconds} s)`;
  // Without an edge answering for it (EDGE=none), joining cannot wake it: Discord can.
  const how =
    server.publication === 'asleep'
      ? 'it wakes when someone joins'
      : `\`/server wake name:${server.name}\` or the Wake button on its status brings it back`;
  return `💤 **${server.name}** is asleep${after} — ${how}${ready}.`;
}

/** A player's join is waking a sleeping server: a quiet line in its channel. */
export function joiningNotice(server: Pick<Server, 'name' | 'sleep'>): string {
  const ready = server.sleep.wakeSeconds === null ? '' : ` (usually ready in ${server.sleep.wakeSeconds} s)`;
  return `🔔 Someone is joining **${server.name}** — waking it${ready}.`;
}

/** A server woken without a command in Discord (a join, `gs wake`): a quiet line with the way in. */
export function awakeNotice(server: Pick<Server, 'name'>, reach: Reach | undefined): string {
  if (!reach) return `☀️ **${server.name}** is awake.`;
  if (!reach.joinable)
    return `☀️ **${server.name}** is awake, but \`${reach.address}\` does not lead to it yet: ${reach.caveat}.`;
  return `☀️ **${server.name}** is awake: join at \`${reach.address}\`${reach.caveat ? ` (${reach.caveat})` : ''}.`;
}

export function driftNotice(event: AnnouncedDrift, server: Server | undefined): string {
  const { data } = event;
  const name = server?.name ?? data.serverName ?? NO_NAME;
  if (data.reason === 'vm_missing') {
    return `**${name}** lost its VM: it was removed outside GuildServer. \`/server delete\` cleans it up.`;
  }
  return `**${name}** was ${data.actual === 'running' ? 'started' : 'stopped'} outside GuildServer; it is ${data.actual} now.`;
}

type ScheduleFailed = Extract<ScheduleNoticeEvent, { type: 'schedule.failed' }>;
type ScheduleSkipped = Extract<ScheduleNoticeEvent, { type: 'schedule.skipped' }>;

/** The API's reason as the end of a sentence. */
const closed = (reason: string) => (/[.!?)]$/.test(reason.trim()) ? reason.trim() : `${reason.trim()}.`);

/** To the owner, in the server's channel: what failed and why; told once until a run works again. */
export function scheduleFailedNotice(event: ScheduleFailed): string {
  const { action, serverName, reason } = event.data;
  return `The scheduled ${action} of **${serverName}** failed: ${closed(reason)} Later failures stay quiet until a run works again; \`/server schedule list\` shows each run.`.slice(
    0,
    MAX_NOTICE,
  );
}

/** To the guild's admin channel: the same, naming the owner (who is not pinged there). */
export function scheduleFailedAdminNotice(event: ScheduleFailed): string {
  const { action, serverName, reason } = event.data;
  const owner = event.ownerId ? ` (<@${event.ownerId}>’s)` : '';
  return `The scheduled ${action} of **${serverName}**${owner} failed: ${closed(reason)}`.slice(
    0,
    MAX_NOTICE,
  );
}

/** A quiet line in the server's channel: the run did not happen, and why. */
export function scheduleSkippedNotice(event: ScheduleSkipped): string {
  const { action, serverName, reason } = event.data;
  return `⏭️ The scheduled ${action} of **${serverName}** was skipped: ${closed(reason)}`.slice(0, MAX_NOTICE);
}
