// Follows the API's event stream from the durable cursor and turns events into notices: progress and the
// final state edit the interaction's message while its token lives (interaction-message.ts); afterwards (or for
// changes made outside Discord) the final notice goes out with the bot token (bot-notices.ts). Events are
// handled one at a time, in order, and the cursor is saved after each.
import type { Accepted } from '@guildserver/api-client';
import type { GuildEvent, JobKind } from '@guildserver/contracts';
import { GuildSettingsLookup } from '../api/guild-settings.js';
import type { BotState, DeletedServer } from '../state/bot-state.js';
import { BotNotices } from './bot-notices.js';
import { type DeliveredCounts, noDeliveries } from './delivered.js';
import { type InteractionMessageDeps, InteractionMessages } from './interaction-message.js';
import { type JobOrigin, JobStarter } from './job-starter.js';
import {
  changesJobView,
  decideNotice,
  isAnnouncedDrift,
  isJobOutcome,
  isJoinWake,
  isScheduleNotice,
  ownerToTell,
} from './routing.js';
import { isScheduledRun } from './scheduled-runs.js';

/** A delete is remembered for /server backup undelete; a server leaving `deleted` (brought back) is forgotten. */
function rememberDeletes(state: BotState, event: GuildEvent): void {
  if (!event.serverId) return;
  if (event.type === 'server.deleted' && event.guildId) {
    state.rememberDeleted({
      serverId: event.serverId,
      serverName: event.data.serverName ?? event.serverId,
      guildId: event.guildId,
      ownerId: event.ownerId,
      deletedAt: Date.parse(event.createdAt) || Date.now(),
    });
  } else if (event.type === 'server.state_changed' && event.data.from === 'deleted') {
    state.forgetDeleted(event.serverId);
  }
}

/** What the notifier needs: what editing an interaction's message needs, the clock optional, no counts yet. */
export interface NotifierDeps extends Omit<InteractionMessageDeps, 'now' | 'delivered'> {
  now?: () => number;
  /** The guilds' settings as the commands last saw them; the notifier's own when not given. */
  settings?: GuildSettingsLookup;
}

const HEAD_PAGE = 1000;

export class Notifier {
  private readonly queue: GuildEvent[] = [];
  private lastQueued = 0;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  private running: Promise<unknown> | undefined;
  private readonly now: () => number;
  private readonly messages: InteractionMessages;
  private readonly notices: BotNotices;
  private readonly jobs: JobStarter;
  readonly delivered: DeliveredCounts = noDeliveries();

  constructor(private readonly deps: NotifierDeps) {
    this.now = deps.now ?? Date.now;
    const { api, rest, state, logger, hostExternal, games } = deps;
    const delivered = this.delivered;
    this.messages = new InteractionMessages({
      api,
      rest,
      state,
      logger,
      hostExternal,
      games,
      now: this.now,
      delivered,
    });
    this.notices = new BotNotices({
      api,
      rest,
      logger,
      hostExternal,
      delivered,
      settings: deps.settings ?? new GuildSettingsLookup(api, this.now),
      signal: this.abort.signal,
    });
    this.jobs = new JobStarter(state, this.messages, logger);
  }

  /** What command handlers call: see JobStarter. */
  startJob(call: () => Promise<Accepted>, origin: JobOrigin, kind: JobKind): Promise<Accepted> {
    return this.jobs.startJob(call, origin, kind);
  }

  async start(): Promise<void> {
    const { state, api, logger } = this.deps;
    if (state.cursor === null) {
      // First start: begin at the stream's head; what happened before the bot existed is not news.
      let after = 0;
      for (;;) {
        const page = await api.events({ after, limit: HEAD_PAGE });
        after = page.cursor;
        if (page.events.length < HEAD_PAGE) break;
      }
      state.setCursor(after);
      await state.flush();
      logger.info({ cursor: after }, 'first start: following events from the head of the stream');
    }
    this.lastQueued = state.cursor ?? 0;
    state.prune(this.now());
    this.running = Promise.all([this.follow(), this.process()]);
  }

  /** Stops reading, finishes the event in hand, saves the cursor. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.running?.catch(() => undefined);
    await this.deps.state.flush();
  }

  /** Queues each new event; reconnects (with Last-Event-ID) until stopped, whatever the API answers. */
  private async follow(): Promise<void> {
    const { api, logger } = this.deps;
    await api.followEvents({
      after: this.lastQueued,
      signal: this.abort.signal,
      retryRefusals: true,
      onEvent: (event) => {
        this.lastQueued = event.id;
        this.queue.push(event);
        this.wake?.();
      },
      onRetry: (error) => logger.warn({ err: error }, 'event stream lost; reconnecting'),
    });
  }

  private async process(): Promise<void> {
    const { state, logger } = this.deps;
    while (!this.abort.signal.aborted) {
      const event = this.queue.shift();
      if (!event) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      try {
        await this.handle(event);
      } catch (error) {
        logger.error({ err: error, eventId: event.id, jobId: event.jobId }, 'notice failed; moving on');
      }
      state.setCursor(event.id);
      await state.flush().catch((error) => logger.error({ err: error }, 'could not save the bot state'));
    }
  }

  /** The guild's deleted servers the bot has seen, newest first (what /server backup undelete offers). */
  deletedServers(guildId: string): DeletedServer[] {
    return this.deps.state.deletedServers(guildId);
  }

  /** Handles one event (public for tests and for a caller that feeds events itself). */
  async handle(event: GuildEvent): Promise<void> {
    const { state } = this.deps;
    rememberDeletes(state, event);
    if (isScheduleNotice(event)) return this.notices.announceSchedule(event);
    if (isJoinWake(event)) return this.notices.announceJoinWake(event);
    let tracked = event.jobId ? state.tracked(event.jobId) : undefined;
    if (event.jobId && !tracked && this.jobs.starting) {
      // A command may be about to learn this job's id from the API: let it register first.
      await this.jobs.settled();
      tracked = state.tracked(event.jobId);
    }
    const newer =
      event.jobId !== null && this.queue.some((e) => e.jobId === event.jobId && changesJobView(e.type));
    const decision = decideNotice(event, tracked, this.now(), newer);
    if (decision.kind === 'none') return;
    // A schedule's own run: its failure is the schedule's notice to tell, once; its success is no news.
    if (decision.kind === 'channel' && decision.reason === 'outside' && isJobOutcome(event)) {
      if (await isScheduledRun(this.deps.api, event)) return;
    }
    const owner = ownerToTell(event, tracked);
    if (decision.kind === 'edit' && tracked) {
      const result = await this.messages.render(tracked.jobId).catch((error: unknown) => {
        if (!decision.final) throw error;
        this.deps.logger.warn(
          { err: error, jobId: tracked.jobId },
          'final edit failed; notice goes to the channel',
        );
        return 'failed' as const;
      });
      if (decision.final) {
        if (result !== 'edited' && isJobOutcome(event))
          await this.notices.announceJob(event, tracked.userId, tracked.channelId, tracked);
        state.untrack(tracked.jobId);
      }
    } else if (decision.kind === 'channel') {
      if (isAnnouncedDrift(event))
        await this.notices.announceDrift(event, decision.mention, decision.channelId);
      else if (isJobOutcome(event))
        await this.notices.announceJob(event, decision.mention, decision.channelId, tracked);
      if (tracked) state.untrack(tracked.jobId);
    }
    if (owner && isJobOutcome(event))
      await this.notices.announceJob(event, owner.ownerId, owner.channelId, tracked, owner.by);
  }
}
