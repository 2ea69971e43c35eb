// The channel and DM notices: one sentence each, from an event's data and what the bot looked up. Events
// written before the data was typed may lack the server's name or the failure's reason: the lookups stand in.
import { reachOf, type Server } from '@guildserver/contracts';
import type { AnnouncedDrift, JobOutcomeEvent } from '../notices/routing.js';
import type { TrackedInteraction } from '../state/bot-state.js';
import { finalSentence } from './views.js';

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
}

export function jobNotice(event: JobOutcomeEvent, facts: JobNoticeFacts): string {
  const { server, tracked } = facts;
  const succeeded = event.type === 'job.succeeded';
  const name = server?.name ?? tracked?.serverName ?? event.data.serverName ?? NO_NAME;
  const reach = server ? reachOf(server, facts.hostExternal) : undefined;
  let sentence = finalSentence(event.data.kind, succeeded, name, reach);
  const why = event.type === 'job.failed' ? (event.data.reason ?? facts.failure) : undefined;
  if (why) sentence += ` ${why}`;
  if (!tracked) sentence += ' (changed outside Discord)';
  if (facts.by) sentence += ` (by <@${facts.by}>)`;
  return sentence.slice(0, MAX_NOTICE);
}

export function driftNotice(event: AnnouncedDrift, server: Server | undefined): string {
  const { data } = event;
  const name = server?.name ?? data.serverName ?? NO_NAME;
  if (data.reason === 'vm_missing') {
    return `**${name}** lost its VM: it was removed outside GuildServer. \`/server delete\` cleans it up.`;
  }
  return `**${name}** was ${data.actual === 'running' ? 'started' : 'stopped'} outside GuildServer; it is ${data.actual} now.`;
}
