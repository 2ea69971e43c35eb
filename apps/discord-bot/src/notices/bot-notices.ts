// Notices sent with the bot token, once the interaction's token cannot be used: to the channel mentioning the
// user, by DM when the channel will not take it; DMs closed is logged and the notice dropped.
import type { ApiClient } from '@guildserver/api-client';
import { type GuildEvent, reachOf } from '@guildserver/contracts';
import { pause } from '@guildserver/timing';
import { DiscordAPIError, MessageFlags, type REST, Routes } from 'discord.js';
import type { Logger } from 'pino';
import type { GuildSettingsLookup } from '../api/guild-settings.js';
import {
  awakeNotice,
  driftNotice,
  jobNotice,
  joiningNotice,
  scheduleFailedAdminNotice,
  scheduleFailedNotice,
  scheduleSkippedNotice,
  sleptNotice,
} from '../rendering/notices.js';
import { deleteMadeFinalBackup } from '../rendering/views.js';
import type { TrackedInteraction } from '../state/bot-state.js';
import type { DeliveredCounts } from './delivered.js';
import {
  type AnnouncedDrift,
  CHANNEL_UNWRITABLE_CODES,
  DMS_CLOSED_CODE,
  type JobOutcomeEvent,
  type JoinWakeEvent,
  type ScheduleNoticeEvent,
} from './routing.js';

export interface BotNoticeDeps {
  api: ApiClient;
  rest: REST;
  logger: Logger;
  hostExternal: string;
  delivered: DeliveredCounts;
  /** Where a guild's failed schedules are also told (its admin channel). */
  settings: GuildSettingsLookup;
  /** Aborted when the bot stops: retries give up. */
  signal: AbortSignal;
}

type DeliveryResult = 'channel' | 'dm' | 'dms_closed' | 'failed';

const DELIVERY_ATTEMPTS = 3;

/** Which of an event's notices: the main one, the owner's copy, the guild's admin channel's copy. */
export type NoticeCopy = 'main' | 'owner' | 'admin';
const COPY_SUFFIX: Record<NoticeCopy, string> = { main: '', owner: '-o', admin: '-a' };

/**
 * The Create Message nonce of an event's notice: the event id (and which copy) makes it unique and stable across
 * restarts. Discord takes a string of at most 25 characters: `gs-ev-`, up to 16 digits and `-o` or `-a`.
 */
export function noticeNonce(eventId: number, copy: NoticeCopy = 'main'): string {
  return `gs-ev-${eventId}${COPY_SUFFIX[copy]}`;
}

export class BotNotices {
  constructor(private readonly deps: BotNoticeDeps) {}

  /** @param by who changed the server, when the notice goes to its owner rather than to them. */
  async announceJob(
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
    // A delete's notice says how to undo it when the delete made a final backup (the job's steps tell).
    const undoable =
      event.type === 'job.succeeded' && event.data.kind === 'delete' && event.jobId
        ? await api
            .job(event.jobId)
            .then(deleteMadeFinalBackup)
            .catch(() => false)
        : false;
    // An idle server's sleep (the monitor's doing) and a wake not asked in Discord (a join, `gs wake`): one quiet
    // line in its channel, no one pinged.
    if (event.type === 'job.succeeded' && server && !tracked) {
      if (event.data.kind === 'sleep') return this.post(event, channelId, sleptNotice(server), 'main', true);
      if (event.data.kind === 'wake')
        return this.post(event, channelId, awakeNotice(server, reachOf(server, hostExternal)), 'main', true);
    }
    const sentence = jobNotice(event, { server, tracked, hostExternal, failure, by, undoable });
    await this.deliver(event, mention, channelId, sentence, by ? 'owner' : 'main');
  }

  /** A player's join is waking a sleeping server: once, quietly, in the server's channel. */
  async announceJoinWake(event: JoinWakeEvent): Promise<void> {
    if (!event.serverId || !event.channelId) return;
    const server = await this.deps.api.getServer(event.serverId).catch(() => undefined);
    const notice = server
      ? joiningNotice(server)
      : `🔔 Someone is joining **${event.data.serverName ?? 'a server'}** — waking it.`;
    await this.post(event, event.channelId, notice, 'main', true);
  }

  async announceDrift(event: AnnouncedDrift, mention: string, channelId: string): Promise<void> {
    const server = event.serverId
      ? await this.deps.api.getServer(event.serverId).catch(() => undefined)
      : undefined;
    await this.deliver(event, mention, channelId, driftNotice(event, server), 'main');
  }

  /**
   * A failed schedule: to its owner in the server's channel (as any notice), and to the guild's admin channel
   * when it has one, pinging nobody there. A skipped run: a quiet line in the server's channel.
   */
  async announceSchedule(event: ScheduleNoticeEvent): Promise<void> {
    const { channelId, ownerId, guildId } = event;
    if (event.type === 'schedule.skipped') {
      if (channelId) await this.post(event, channelId, scheduleSkippedNotice(event), 'main', true);
      return;
    }
    if (channelId && ownerId)
      await this.deliver(event, ownerId, channelId, scheduleFailedNotice(event), 'main');
    const settings = guildId
      ? await this.deps.settings.get(guildId).catch((error: unknown) => {
          this.deps.logger.warn(
            { err: error, guildId },
            'could not read the guild settings; no admin notice',
          );
          return undefined;
        })
      : undefined;
    const adminChannel = settings?.adminChannelId;
    if (adminChannel && adminChannel !== channelId)
      await this.post(event, adminChannel, scheduleFailedAdminNotice(event), 'admin', false);
  }

  /** A line in a channel that pings nobody (`silent`: nor makes a sound); not sent anywhere else on refusal. */
  private async post(
    event: GuildEvent,
    channelId: string,
    content: string,
    copy: NoticeCopy,
    silent: boolean,
  ): Promise<void> {
    const { rest, logger, delivered } = this.deps;
    const body = {
      content,
      allowed_mentions: { parse: [] },
      nonce: noticeNonce(event.id, copy),
      enforce_nonce: true,
      ...(silent ? { flags: MessageFlags.SuppressNotifications } : {}),
    };
    const sent = await this.attempt(() => rest.post(Routes.channelMessages(channelId), { body }));
    const log = { eventId: event.id, serverId: event.serverId, channelId, copy };
    if (sent === 'ok') {
      delivered.channel++;
      logger.info(log, 'notice sent to the channel');
      return;
    }
    delivered.failed++;
    logger.warn({ ...log, err: sent }, 'notice could not be sent to the channel; dropped');
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
    const { rest, logger, delivered } = this.deps;
    const log = { eventId: event.id, jobId: event.jobId, serverId: event.serverId, channelId, userId };
    // Sent again after a crash before the cursor was saved, Discord returns the first message instead.
    const once = { nonce: noticeNonce(event.id, copy), enforce_nonce: true };
    const channel = await this.attempt(() =>
      rest.post(Routes.channelMessages(channelId), {
        body: { content: `<@${userId}> ${sentence}`, allowed_mentions: { users: [userId] }, ...once },
      }),
    );
    if (channel === 'ok') {
      delivered.channel++;
      logger.info(log, 'notice sent to the channel');
      return 'channel';
    }
    if (!(channel instanceof DiscordAPIError && CHANNEL_UNWRITABLE_CODES.has(Number(channel.code)))) {
      delivered.failed++;
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
      delivered.dm++;
      return 'dm';
    }
    if (dm instanceof DiscordAPIError && Number(dm.code) === DMS_CLOSED_CODE) {
      delivered.dmsClosed++;
      logger.warn(log, 'the user does not accept DMs from the bot; notice dropped');
      return 'dms_closed';
    }
    delivered.failed++;
    logger.error({ ...log, err: dm }, 'notice could not be sent by DM either');
    return 'failed';
  }

  /** A few tries for passing trouble (5xx, network); Discord's refusals (4xx) are final at once. */
  private async attempt(work: () => Promise<unknown>): Promise<'ok' | unknown> {
    const { signal } = this.deps;
    let last: unknown;
    for (let i = 0; i < DELIVERY_ATTEMPTS; i++) {
      try {
        await work();
        return 'ok';
      } catch (error) {
        last = error;
        if (error instanceof DiscordAPIError && error.status < 500) return error;
        if (signal.aborted) return error;
        await pause(500 * 2 ** i, signal);
      }
    }
    return last;
  }
}
