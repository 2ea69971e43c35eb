// Follows the API's event stream from the durable cursor and turns events into notices: progress and the
// final state edit the interaction's message while its token lives; afterwards (or for changes made outside
// Discord) the final notice goes to the server's channel mentioning the user, or by DM when the channel
// will not take it. Events are handled one at a time, in order, and the cursor is saved after each.
import { eventSchema, type GuildEvent, type JobKind } from '@guildserver/contracts';
import { DiscordAPIError, type REST, Routes } from 'discord.js';
import type { Logger } from 'pino';
import type { Accepted, ApiClient, Game } from '../api/client.js';
import { createSseReader } from '../api/sse.js';
import { driftNotice, jobNotice } from '../rendering/notices.js';
import { jobView, type MessageView, statusView } from '../rendering/views.js';
import type { BotState, TrackedInteraction } from '../state/bot-state.js';
import {
  type AnnouncedDrift,
  CHANNEL_UNWRITABLE_CODES,
  changesJobView,
  DMS_CLOSED_CODE,
  decideNotice,
  isAnnouncedDrift,
  isJobOutcome,
  type JobOutcomeEvent,
  ownerToTell,
  TOKEN_DEAD_CODES,
  tokenAlive,
} from './routing.js';

export interface NotifierDeps {
  api: ApiClient;
  rest: REST;
  state: BotState;
  logger: Logger;
  hostExternal: string;
  /** The game catalog (as last read when the API fails), for display names on status cards. */
  games?: () => Promise<readonly Game[] | undefined>;
  now?: () => number;
}

/** What the bot knows of the interaction that started a job. */
export interface JobOrigin {
  applicationId: string;
  token: string;
  receivedAt: number;
  userId: string;
  guildId: string;
  channelId: string;
  origin: 'command' | 'status';
}

type DeliveryResult = 'channel' | 'dm' | 'dms_closed' | 'failed';

const DELIVERY_ATTEMPTS = 3;
const HEAD_PAGE = 1000;

export class Notifier {
  private readonly queue: GuildEvent[] = [];
  private lastQueued = 0;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  private running: Promise<unknown> | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly now: () => number;
  /** Counters for the logs: notices by route. */
  readonly delivered = { edits: 0, channel: 0, dm: 0, dmsClosed: 0, failed: 0 };

  constructor(private readonly deps: NotifierDeps) {
    this.now = deps.now ?? Date.now;
  }

  // --- what command handlers call -------------------------------------------------------------------

  /**
   * Runs the API call that queues a job and remembers the interaction before anything else can see the job's
   * events; then shows the first progress. The event loop waits for such calls before it calls a job nobody's.
   */
  async startJob(call: () => Promise<Accepted>, origin: JobOrigin, kind: JobKind): Promise<Accepted> {
    const work = (async () => {
      const accepted = await call();
      this.deps.state.track({
        ...origin,
        jobId: accepted.jobId,
        serverId: accepted.server.id,
        serverName: accepted.server.name,
        kind,
      });
      await this.deps.state.flush();
      return accepted;
    })();
    this.inflight.add(work);
    work.then(
      () => this.inflight.delete(work),
      () => this.inflight.delete(work),
    );
    const accepted = await work;
    await this.render(accepted.jobId).catch((error) =>
      this.deps.logger.warn({ err: error, jobId: accepted.jobId }, 'first progress render failed'),
    );
    return accepted;
  }

  // --- the event loop -------------------------------------------------------------------------------

  async start(): Promise<void> {
    const { state, api, logger } = this.deps;
    if (state.cursor === null) {
      // First start: begin at the stream's head; what happened before the bot existed is not news.
      let after = 0;
      for (;;) {
        const page = await api.events(after, HEAD_PAGE);
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

  private async follow(): Promise<void> {
    const { api, logger } = this.deps;
    const signal = this.abort.signal;
    let delay = 0;
    while (!signal.aborted) {
      if (delay > 0) await sleep(delay, signal);
      if (signal.aborted) break;
      try {
        const response = await api.openEventStream(this.lastQueued, signal);
        if (!response.ok || !response.body) {
          await response.body?.cancel();
          throw new Error(`the event stream answered HTTP ${response.status}`);
        }
        delay = 0;
        logger.debug({ after: this.lastQueued }, 'event stream open');
        const reader = createSseReader((message) => {
          let event: GuildEvent;
          try {
            const parsed = eventSchema.safeParse(JSON.parse(message.data));
            if (!parsed.success) return;
            event = parsed.data;
          } catch {
            return;
          }
          if (event.id <= this.lastQueued) return;
          this.lastQueued = event.id;
          this.queue.push(event);
          this.wake?.();
        });
        const decoder = new TextDecoder();
        const body = response.body.getReader();
        for (;;) {
          const { done, value } = await body.read();
          if (done) break;
          reader.push(decoder.decode(value, { stream: true }));
        }
      } catch (error) {
        if (signal.aborted) break;
        logger.warn({ err: error }, 'event stream lost; reconnecting');
      }
      delay = Math.min(Math.max(delay * 2, 500), 5_000);
    }
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

  /** Handles one event (public for tests and for a caller that feeds events itself). */
  async handle(event: GuildEvent): Promise<void> {
    const { state } = this.deps;
    let tracked = event.jobId ? state.tracked(event.jobId) : undefined;
    if (event.jobId && !tracked && this.inflight.size > 0) {
      // A command may be about to learn this job's id from the API: let it register first.
      await Promise.allSettled([...this.inflight]);
      tracked = state.tracked(event.jobId);
    }
    const newer =
      event.jobId !== null && this.queue.some((e) => e.jobId === event.jobId && changesJobView(e.type));
    const decision = decideNotice(event, tracked, this.now(), newer);
    if (decision.kind === 'none') return;
    const owner = ownerToTell(event, tracked);
    if (decision.kind === 'edit' && tracked) {
      const result = await this.render(tracked.jobId).catch((error: unknown) => {
        if (!decision.final) throw error;
        this.deps.logger.warn(
          { err: error, jobId: tracked.jobId },
          'final edit failed; notice goes to the channel',
        );
        return 'failed' as const;
      });
      if (decision.final) {
        if (result !== 'edited' && isJobOutcome(event))
          await this.announceJob(event, tracked.userId, tracked.channelId, tracked);
        state.untrack(tracked.jobId);
      }
    } else if (decision.kind === 'channel') {
      if (isAnnouncedDrift(event)) await this.announceDrift(event, decision.mention, decision.channelId);
      else if (isJobOutcome(event))
        await this.announceJob(event, decision.mention, decision.channelId, tracked);
      if (tracked) state.untrack(tracked.jobId);
    }
    if (owner && isJobOutcome(event))
      await this.announceJob(event, owner.ownerId, owner.channelId, tracked, owner.by);
  }

  // --- rendering through the interaction token ------------------------------------------------------

  /** One render at a time per job, each from fresh API state: the last one always shows the latest. */
  private lock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.locks.set(key, next);
    next.then(
      () => this.locks.get(key) === next && this.locks.delete(key),
      () => this.locks.get(key) === next && this.locks.delete(key),
    );
    return next;
  }

  /** Edits the interaction's message with the job as it stands; 'dead' when Discord refuses the token. */
  render(jobId: string): Promise<'edited' | 'dead' | 'untracked'> {
    return this.lock(jobId, async () => {
      const { state, api, rest, hostExternal, logger } = this.deps;
      const tracked = state.tracked(jobId);
      if (!tracked) return 'untracked';
      if (!tokenAlive(tracked, this.now())) {
        state.markExpired(jobId);
        return 'dead';
      }
      const job = await api.job(jobId);
      const server =
        tracked.origin === 'status' || job.state === 'succeeded'
          ? await api.getServer(tracked.serverId).catch(() => undefined)
          : undefined;
      let view: MessageView = jobView(job, server, tracked.serverName, hostExternal);
      if (tracked.origin === 'status' && server) {
        const status = statusView(server, hostExternal, await this.deps.games?.());
        view = {
          content: '',
          embeds: [...status.embeds, ...(job.state === 'succeeded' ? [] : view.embeds)],
          components: status.components,
        };
      }
      try {
        await rest.patch(Routes.webhookMessage(tracked.applicationId, tracked.token, '@original'), {
          body: { ...view, allowed_mentions: { parse: [] } },
          auth: false,
        });
        this.delivered.edits++;
        return 'edited';
      } catch (error) {
        if (isTokenDead(error)) {
          logger.info(
            { jobId, code: codeOf(error) },
            'interaction token no longer usable; notices go to the channel',
          );
          state.markExpired(jobId);
          return 'dead';
        }
        throw error;
      }
    });
  }

  // --- notices with the bot token ---------------------------------------------------------------------

  /** @param by who changed the server, when the notice goes to its owner rather than to them. */
  private async announceJob(
    event: JobOutcomeEvent,
    mention: string,
    channelId: string,
    tracked: TrackedInteraction | undefined,
    by?: string,
  ): Promise<void> {
    const { api, hostExternal } = this.deps;
    const server =
      event.serverId && event.data.kind !== 'delete'
        ? await api.getServer(event.serverId).catch(() => undefined)
        : undefined;
    // An event written before `data.reason` existed: the job still says why it failed.
    const failure =
      event.type === 'job.failed' && event.data.reason === undefined && event.jobId
        ? (await api.job(event.jobId).catch(() => undefined))?.error?.message
        : undefined;
    const sentence = jobNotice(event, { server, tracked, hostExternal, failure, by });
    await this.deliver(event, mention, channelId, sentence, by ? 'owner' : 'main');
  }

  private async announceDrift(event: AnnouncedDrift, mention: string, channelId: string): Promise<void> {
    const server = event.serverId
      ? await this.deps.api.getServer(event.serverId).catch(() => undefined)
      : undefined;
    await this.deliver(event, mention, channelId, driftNotice(event, server), 'main');
  }

  /**
   * The channel, mentioning the user (only them); a DM when the channel will not take it; DMs closed is logged.
   * @param copy which of an event's notices this is (the owner's copy when someone else changed their server).
   */
  private async deliver(
    event: GuildEvent,
    userId: string,
    channelId: string,
    sentence: string,
    copy: NoticeCopy,
  ): Promise<DeliveryResult> {
    const { rest, logger } = this.deps;
    const log = { eventId: event.id, jobId: event.jobId, serverId: event.serverId, channelId, userId };
    // Sent again after a crash before the cursor was saved, Discord returns the first message instead.
    const once = { nonce: noticeNonce(event.id, copy), enforce_nonce: true };
    const channel = await this.attempt(() =>
      rest.post(Routes.channelMessages(channelId), {
        body: { content: `<@${userId}> ${sentence}`, allowed_mentions: { users: [userId] }, ...once },
      }),
    );
    if (channel === 'ok') {
      this.delivered.channel++;
      logger.info(log, 'notice sent to the channel');
      return 'channel';
    }
    if (!(channel instanceof DiscordAPIError && CHANNEL_UNWRITABLE_CODES.has(Number(channel.code)))) {
      this.delivered.failed++;
      logger.error({ ...log, err: channel }, 'notice could not be sent to the channel');
      return 'failed';
    }
    logger.info({ ...log, code: channel.code }, 'channel not writable; sending the notice by DM');
    const dm = await this.attempt(async () => {
      const opened = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as {
        id: string;
      };
      await rest.post(Routes.channelMessages(opened.id), {
        body: { content: sentence, allowed_mentions: { parse: [] }, ...once },
      });
    });
    if (dm === 'ok') {
      this.delivered.dm++;
      return 'dm';
    }
    if (dm instanceof DiscordAPIError && Number(dm.code) === DMS_CLOSED_CODE) {
      this.delivered.dmsClosed++;
      logger.warn(log, 'the user does not accept DMs from the bot; notice dropped');
      return 'dms_closed';
    }
    this.delivered.failed++;
    logger.error({ ...log, err: dm }, 'notice could not be sent by DM either');
    return 'failed';
  }

  /** A few tries for passing trouble (5xx, network); Discord's refusals (4xx) are final at once. */
  private async attempt(work: () => Promise<unknown>): Promise<'ok' | unknown> {
    let last: unknown;
    for (let i = 0; i < DELIVERY_ATTEMPTS; i++) {
      try {
        await work();
        return 'ok';
      } catch (error) {
        last = error;
        if (error instanceof DiscordAPIError && error.status < 500) return error;
        if (this.abort.signal.aborted) return error;
        await sleep(500 * 2 ** i, this.abort.signal);
      }
    }
    return last;
  }
}

export type NoticeCopy = 'main' | 'owner';

/**
 * The Create Message nonce of an event's notice: the event id (and which copy) makes it unique and stable across
 * restarts. Discord takes a string of at most 25 characters: `gs-ev-`, up to 16 digits and `-o`.
 */
export function noticeNonce(eventId: number, copy: NoticeCopy = 'main'): string {
  return `gs-ev-${eventId}${copy === 'owner' ? '-o' : ''}`;
}

function codeOf(error: unknown): number | string | undefined {
  return error instanceof DiscordAPIError ? error.code : undefined;
}

function isTokenDead(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError && (TOKEN_DEAD_CODES.has(Number(error.code)) || error.status === 401)
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
