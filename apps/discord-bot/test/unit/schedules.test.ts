// /server schedule and /server settings, their pure parts: reading the options, the time zones offered, what
// the replies and the list say, the choices autocomplete offers, the refusals' words, the routes, and the
// notices of failed and skipped runs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiClient, ApiError } from '@guildserver/api-client';
import { eventSchema, type GuildEvent, type Schedule } from '@guildserver/contracts';
import type { AutocompleteInteraction, ChatInputCommandInteraction, REST } from 'discord.js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  AT_AND_EVERY_SENTENCE,
  offWindow,
  parseTimeOfDay,
  scheduleRequest,
} from '../../src/command-definitions/schedule-options.js';
import { canonicalTimeZone, matchingTimeZones } from '../../src/command-definitions/time-zones.js';
import { BotError } from '../../src/core/bot-error.js';
import type { Asker, BotServices } from '../../src/core/services.js';
import { scheduleAutocomplete, scheduleChoices } from '../../src/handlers/autocomplete/schedule.js';
import { timeZoneChoices } from '../../src/handlers/autocomplete/time-zone.js';
import { addSchedule } from '../../src/handlers/commands/schedule-add.js';
import { guildSettings, SETTINGS_ADMIN_ONLY } from '../../src/handlers/commands/settings.js';
import { pickSchedule } from '../../src/handlers/schedule-target.js';
import { AUTOCOMPLETE_ROUTES, COMMAND_ROUTES } from '../../src/interactions/routes.js';
import { noticeNonce } from '../../src/notices/bot-notices.js';
import { Notifier } from '../../src/notices/notifier.js';
import { isScheduleNotice } from '../../src/notices/routing.js';
import {
  scheduleFailedAdminNotice,
  scheduleFailedNotice,
  scheduleSkippedNotice,
} from '../../src/rendering/notices.js';
import {
  offWindowSentence,
  scheduleAddedSentence,
  scheduleLabel,
  scheduleListView,
  scheduleRemovedSentence,
  settingsView,
} from '../../src/rendering/schedules.js';
import { SCHEDULE_WORDING, sentenceFor } from '../../src/rendering/sentences.js';
import { BotState } from '../../src/state/bot-state.js';
import { ALICE, BOB, CHANNEL, GUILD, server } from './fixtures.js';

const NEXT = '2026-12-07T03:30:00.000Z';
const at = (iso: string, style: string) => `<t:${Date.parse(iso) / 1000}:${style}>`;

let n = 0;
function schedule(overrides: Partial<Schedule> = {}): Schedule {
  n++;
  return {
    id: `sch_${String(n).padStart(12, '0')}`,
    serverId: 'srv_000000000001',
    action: 'restart',
    at: '04:30',
    everyHours: null,
    timeZone: 'Europe/Berlin',
    nextRunAt: NEXT,
    lastRun: null,
    createdAt: '2026-12-01T00:00:00.000Z',
    ...overrides,
  };
}
const restart = schedule();
const backups = schedule({ action: 'backup', at: null, everyHours: 6 });
const stop = schedule({ action: 'stop', at: '23:00' });
const start = schedule({ action: 'start', at: '07:00' });

describe('reading schedule options', () => {
  it('a daily time, or backups every N hours', () => {
    expect(scheduleRequest('restart', '04:30', null)).toEqual({ action: 'restart', at: '04:30' });
    expect(scheduleRequest('stop', '4:05', null)).toEqual({ action: 'stop', at: '04:05' });
    expect(scheduleRequest('backup', null, 6)).toEqual({ action: 'backup', everyHours: 6 });
    expect(scheduleRequest('backup', '03:00', null)).toEqual({ action: 'backup', at: '03:00' });
  });
  it('exactly one of at and every, every for backups only, in one sentence each', () => {
    expect(() => scheduleRequest('backup', '03:00', 6)).toThrow(AT_AND_EVERY_SENTENCE);
    expect(AT_AND_EVERY_SENTENCE).toBe(
      'Give either `at` (daily at a time) or `every` (backups every few hours), not both.',
    );
    expect(() => scheduleRequest('restart', null, 6)).toThrow(
      'Only backups run every few hours; give the restart a time of day with `at`.',
    );
    expect(() => scheduleRequest('restart', null, null)).toThrow('Give `at`, the time of day as HH:MM.');
    expect(() => scheduleRequest('backup', null, null)).toThrow(/or `every`, how many hours apart\.$/);
    expect(() => scheduleRequest('backup', null, 5)).toThrow(/must be one of 1, 2, 3, 4, 6, 8, 12 hours/);
  });
  it('times as HH:MM on a 24-hour clock', () => {
    expect(parseTimeOfDay(' 23:59 ', 'at')).toBe('23:59');
    for (const wrong of ['24:00', '4.30', '04:60', 'noon', '1230'])
      expect(() => parseTimeOfDay(wrong, 'at'), wrong).toThrow(
        '`at` must be a time of day as HH:MM on a 24-hour clock, such as 04:30.',
      );
    try {
      parseTimeOfDay('x', 'from');
    } catch (error) {
      expect(error).toBeInstanceOf(BotError);
      expect((error as BotError).code).toBe('schedule_invalid');
    }
  });
  it('an off window: a stop at from, a start at to, which differ', () => {
    expect(offWindow('23:00', '7:00')).toEqual({ stopAt: '23:00', startAt: '07:00' });
    expect(() => offWindow('02:00', '2:00')).toThrow(/must differ/);
    expect(() => offWindow('02:00', '26:00')).toThrow(/^`to` must be a time of day/);
  });
});

describe('time zones', () => {
  it('offered from the runtime’s list, filtered by what is typed, cities that start with it first', () => {
    expect(timeZoneChoices('berlin')).toEqual([{ name: 'Europe/Berlin', value: 'Europe/Berlin' }]);
    expect(timeZoneChoices('new york').map((c) => c.value)).toEqual(['America/New_York']);
    expect(timeZoneChoices('')[0]?.value).toBe('UTC');
    expect(timeZoneChoices('')).toHaveLength(25);
    const america = matchingTimeZones('america/');
    expect(america).toHaveLength(25);
    expect(america.every((z) => z.startsWith('America/'))).toBe(true);
    expect(matchingTimeZones('mars')).toEqual([]);
  });
  it('what is typed is read as the zone it names, else left for the API to judge', () => {
    expect(canonicalTimeZone(' europe/berlin ')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('america/new york')).toBe('America/New_York');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus')).toBe('Mars/Olympus');
  });
});

describe('schedule rendering', () => {
  const survival = server({ name: 'survival' });
  it('labels for autocomplete', () => {
    expect(scheduleLabel(restart)).toBe('restart daily 04:30');
    expect(scheduleLabel(backups)).toBe('backup every 6 h');
  });
  it('an added schedule in words, its next run as Discord timestamps, and the time zone', () => {
    expect(scheduleAddedSentence(survival, restart)).toBe(
      `**survival** will restart daily at 04:30, next ${at(NEXT, 'f')} (${at(NEXT, 'R')}) — times are in Europe/Berlin; an admin sets it with \`/server settings time-zone\`.`,
    );
    expect(scheduleAddedSentence(survival, { ...backups, nextRunAt: null, timeZone: 'UTC' })).toBe(
      '**survival** will be backed up every 6 hours, next not known yet — times are in UTC; an admin sets it with `/server settings time-zone`.',
    );
  });
  it('an off window, and a removed schedule', () => {
    expect(offWindowSentence(survival, stop, start)).toBe(
      `**survival** will be off daily from 23:00 to 07:00: it stops next ${at(NEXT, 'f')} (${at(NEXT, 'R')}) and starts next ${at(NEXT, 'f')} (${at(NEXT, 'R')}) — times are in Europe/Berlin; an admin sets it with \`/server settings time-zone\`.`,
    );
    expect(scheduleRemovedSentence(survival, backups)).toBe(
      '**survival** will no longer be backed up every 6 hours.',
    );
  });
  it('the list: what, when, next run, the last run’s outcome and note; the time zone', () => {
    const ran = '2026-12-06T03:30:00.000Z';
    const list = [
      {
        ...restart,
        lastRun: { at: ran, outcome: 'queued' as const, jobId: 'job_1', note: 'Queued the restart.' },
      },
      {
        ...backups,
        lastRun: {
          at: ran,
          outcome: 'failed' as const,
          jobId: 'job_2',
          note: 'Proxmox could not back the VM up: No space left on device.',
        },
      },
      { ...stop, nextRunAt: null },
    ];
    const embed = scheduleListView(survival, list).embeds[0]!;
    expect(embed.title).toBe('Schedules of survival');
    expect(embed.description?.split('\n')).toEqual([
      `**restart** daily at 04:30 · next ${at(NEXT, 'R')}`,
      `└ last run ${at(ran, 'R')}: ✅ queued — Queued the restart.`,
      `**backup** every 6 hours · next ${at(NEXT, 'R')}`,
      `└ last run ${at(ran, 'R')}: ❌ failed — Proxmox could not back the VM up: No space left on device.`,
      '**stop** daily at 23:00 · next run not known yet',
    ]);
    expect(embed.fields).toEqual([
      { name: 'Time zone', value: 'Europe/Berlin; an admin sets it with `/server settings time-zone`' },
    ]);
    const long = {
      ...restart,
      lastRun: { at: ran, outcome: 'skipped' as const, jobId: null, note: 'x'.repeat(2000) },
    };
    const lines = scheduleListView(survival, Array(10).fill(long)).embeds[0]!.description!;
    expect(lines.length).toBeLessThanOrEqual(4096);
    expect(lines).toContain('⏭️ skipped — xxx');
  });
  it('an empty list says how to add one', () => {
    const embed = scheduleListView(survival, []).embeds[0]!;
    expect(embed.description).toBe('No schedules yet: `/server schedule add` makes one.');
    expect(embed.fields).toBeUndefined();
  });
  it('the settings, and whether they were just saved', () => {
    const shown = settingsView(
      {
        guildId: GUILD,
        timeZone: 'UTC',
        adminChannelId: null,
        idleSleep: '30m',
        idleSleepSetBy: 'default',
        idleSleepMax: '30m',
      },
      false,
    );
    expect(shown.content).toBe('');
    expect(shown.embeds[0]?.fields?.map((f) => `${f.name}: ${f.value}`)).toEqual([
      'Time zone: UTC (every schedule of this guild runs in it)',
      'Admin channel: none: failed schedules are reported in each server’s channel only',
      'Idle sleep: servers sleep after 30m without players (the default); owners may choose up to 30m for their server',
    ]);
    const saved = settingsView(
      {
        guildId: GUILD,
        timeZone: 'Europe/Berlin',
        adminChannelId: CHANNEL,
        idleSleep: '1h',
        idleSleepSetBy: 'guild',
        idleSleepMax: 'off',
      },
      true,
    );
    expect(saved.content).toBe('Saved.');
    expect(saved.embeds[0]?.fields?.[1]?.value).toBe(
      `<#${CHANNEL}> (failed schedules are reported there too)`,
    );
    expect(saved.embeds[0]?.fields?.[2]?.value).toBe(
      'servers sleep after 1h without players; owners may choose any, or off for their server',
    );
  });
});

describe('schedule choices and picking one', () => {
  const list = [restart, backups, stop];
  it('named as labels, the value the id, filtered by what is typed', () => {
    expect(scheduleChoices(list, '')).toEqual([
      { name: 'restart daily 04:30', value: restart.id },
      { name: 'backup every 6 h', value: backups.id },
      { name: 'stop daily 23:00', value: stop.id },
    ]);
    expect(scheduleChoices(list, 'EVERY').map((c) => c.value)).toEqual([backups.id]);
    expect(scheduleChoices(list, 'daily').map((c) => c.value)).toEqual([restart.id, stop.id]);
  });
  it('the id autocomplete gave, or typed like a choice when that names one', () => {
    expect(pickSchedule(list, stop.id, { name: 'survival' })).toBe(stop);
    expect(pickSchedule(list, 'backup every 6 h', { name: 'survival' })).toBe(backups);
    expect(() => pickSchedule(list, 'daily', { name: 'survival' })).toThrow(
      '**survival** has no schedule “daily”; pick one from the list that appears as you type.',
    );
  });
  it('at the deadline: from the server’s last list, for a server in the user’s own list only', () => {
    const mine = server({ name: 'survival' });
    const services = {
      servers: { cached: (_guild: string, owner?: string) => (owner === ALICE ? [mine] : undefined) },
      schedules: { cached: (id: string) => (id === mine.id ? list : undefined) },
    } as unknown as BotServices;
    const asker = (userId: string) => ({ userId, guildId: mine.guildId, admin: false }) as Asker;
    const typing = { options: { getString: () => 'survival' } } as unknown as AutocompleteInteraction;
    expect(scheduleAutocomplete.fallback(services, asker(ALICE), 'stop', typing)).toEqual([
      { name: 'stop daily 23:00', value: stop.id },
    ]);
    expect(scheduleAutocomplete.fallback(services, asker(BOB), '', typing)).toEqual([]);
  });
});

describe('schedule commands refuse before asking the API', () => {
  const noApi = new Proxy({}, { get: () => () => Promise.reject(new Error('the API was asked')) });
  const services = {
    api: noApi,
    servers: noApi,
    schedules: noApi,
    settings: noApi,
  } as unknown as BotServices;
  const asker = { userId: ALICE, guildId: GUILD, admin: false, acting: { userId: ALICE } } as Asker;
  const options = (values: Record<string, string | number>) =>
    ({
      options: {
        getString: (name: string) => (values[name] as string | undefined) ?? null,
        getInteger: (name: string) => (values[name] as number | undefined) ?? null,
        getChannel: () => null,
      },
    }) as unknown as ChatInputCommandInteraction;
  it('at and every together', async () => {
    const both = options({ name: 'survival', action: 'backup', at: '03:00', every: 6 });
    await expect(addSchedule(services, asker, both)).rejects.toThrow(AT_AND_EVERY_SENTENCE);
  });
  it('the settings, for anyone but the guild’s admins', async () => {
    await expect(guildSettings(services, asker, options({}))).rejects.toThrow(SETTINGS_ADMIN_ONLY);
    await expect(guildSettings(services, asker, options({ 'time-zone': 'Europe/Berlin' }))).rejects.toThrow(
      SETTINGS_ADMIN_ONLY,
    );
  });
});

describe('schedule refusals and routes', () => {
  it("the API's sentence where it fits Discord; schedule words where it names a schedule's id", () => {
    const twice = new ApiError(
      'invalid_state',
      "The server 'picky' already has a backup every 6 hours (sch_abcdefghij12).",
    );
    expect(sentenceFor(twice, SCHEDULE_WORDING)).toBe(SCHEDULE_WORDING.invalid_state);
    const many = new ApiError(
      'quota_exceeded',
      "The server 'picky' already has 10 schedules; remove one first.",
    );
    expect(sentenceFor(many, SCHEDULE_WORDING)).toBe(many.message);
    const zone = new ApiError(
      'invalid_request',
      "'Mars/Olympus' is not a time zone this server knows; use an IANA name such as Europe/Berlin or America/New_York.",
    );
    expect(sentenceFor(zone)).toBe(zone.message);
  });
  it('each subcommand of the group in schedule words, settings, and their autocomplete', () => {
    for (const sub of ['add', 'off', 'list', 'remove']) {
      const route = COMMAND_ROUTES.get(`server schedule ${sub}`);
      expect(route?.defer, sub).toBe('ephemeral');
      expect(route?.wording, sub).toBe(SCHEDULE_WORDING);
    }
    expect(COMMAND_ROUTES.get('server settings')?.defer).toBe('ephemeral');
    expect(AUTOCOMPLETE_ROUTES.has('server schedule')).toBe(true);
    expect(AUTOCOMPLETE_ROUTES.has('server time-zone')).toBe(true);
  });
});

/** An event as the stream serves it, parsed the way the bot parses it. */
function streamed(id: number, type: string, data: object, jobId: string | null = null): GuildEvent {
  return eventSchema.parse({
    id,
    type,
    serverId: 'srv_000000000001',
    jobId,
    guildId: GUILD,
    ownerId: ALICE,
    channelId: CHANNEL,
    message: 'never read back',
    data,
    createdAt: '2026-12-06T03:00:00.000Z',
  });
}
const REASON = 'Proxmox could not back the VM up: No space left on device.';
const failed = streamed(7, 'schedule.failed', {
  serverName: 'flaky',
  scheduleId: backups.id,
  action: 'backup',
  jobId: 'job_9',
  code: 'backup_failed',
  reason: REASON,
});
const skipped = streamed(8, 'schedule.skipped', {
  serverName: 'busy',
  scheduleId: restart.id,
  action: 'restart',
  reason: "The server 'busy' is backing up; it cannot restart now.",
});
const warned = streamed(9, 'schedule.warned', {
  serverName: 'busy',
  scheduleId: restart.id,
  action: 'restart',
  minutes: 5,
  delivered: true,
  note: 'Told the players.',
});

describe('schedule notices', () => {
  it('rendered from the event’s data', () => {
    if (failed.type !== 'schedule.failed' || skipped.type !== 'schedule.skipped') throw new Error('types');
    expect(scheduleFailedNotice(failed)).toBe(
      `The scheduled backup of **flaky** failed: ${REASON} Later failures stay quiet until a run works again; \`/server schedule list\` shows each run.`,
    );
    expect(scheduleFailedAdminNotice(failed)).toBe(
      `The scheduled backup of **flaky** (<@${ALICE}>’s) failed: ${REASON}`,
    );
    expect(scheduleSkippedNotice(skipped)).toBe(
      "⏭️ The scheduled restart of **busy** was skipped: The server 'busy' is backing up; it cannot restart now.",
    );
    expect([failed, skipped, warned].map(isScheduleNotice)).toEqual([true, true, false]);
    expect(noticeNonce(Number.MAX_SAFE_INTEGER, 'admin').length).toBeLessThanOrEqual(25);
  });

  /** The notifier with a Discord that records what is posted, and an API with these settings and schedules. */
  function notifierWith(adminChannelId: string | null, scheduled: Schedule[] = []) {
    const posts: { channel: string; body: Record<string, unknown> }[] = [];
    const rest = {
      post: async (route: string, options: { body: Record<string, unknown> }) => {
        posts.push({ channel: route.split('/')[2]!, body: options.body });
        return { id: '1' };
      },
    } as unknown as REST;
    let settingsRead = 0;
    const api = {
      guildSettings: async () => {
        settingsRead++;
        return { guildId: GUILD, timeZone: 'UTC', adminChannelId };
      },
      schedules: async () => ({ schedules: scheduled }),
      getServer: async () => server({ name: 'flaky' }),
      job: async () => undefined,
    } as unknown as ApiClient;
    const state = BotState.load(join(mkdtempSync(join(tmpdir(), 'gs-schedules-')), 'state.json'));
    const notifier = new Notifier({ api, rest, state, logger: pino({ level: 'silent' }), hostExternal: 'x' });
    return { notifier, posts, settingsRead: () => settingsRead };
  }
  const ADMINS = '300000000000000009';

  it('a failure: to the owner in the server’s channel, and to the admin channel pinging nobody', async () => {
    const { notifier, posts, settingsRead } = notifierWith(ADMINS);
    await notifier.handle(failed);
    expect(posts).toEqual([
      {
        channel: CHANNEL,
        body: expect.objectContaining({
          content: `<@${ALICE}> ${scheduleFailedNotice(failed as never)}`,
          allowed_mentions: { users: [ALICE] },
          nonce: 'gs-ev-7',
        }),
      },
      {
        channel: ADMINS,
        body: expect.objectContaining({
          content: scheduleFailedAdminNotice(failed as never),
          allowed_mentions: { parse: [] },
          nonce: 'gs-ev-7-a',
          enforce_nonce: true,
        }),
      },
    ]);
    // The settings are read once a minute at most.
    await notifier.handle({ ...failed, id: 10 });
    expect(settingsRead()).toBe(1);
  });

  it('no admin copy without an admin channel, nor when it is the server’s own', async () => {
    for (const admin of [null, CHANNEL]) {
      const { notifier, posts } = notifierWith(admin);
      await notifier.handle(failed);
      expect(posts.map((p) => p.channel)).toEqual([CHANNEL]);
    }
  });

  it('a skipped run is a quiet line; a warning is for the players only', async () => {
    const { notifier, posts } = notifierWith(ADMINS);
    await notifier.handle(skipped);
    await notifier.handle(warned);
    expect(posts).toEqual([
      {
        channel: CHANNEL,
        body: expect.objectContaining({
          content: scheduleSkippedNotice(skipped as never),
          allowed_mentions: { parse: [] },
          flags: 4096,
          nonce: 'gs-ev-8',
        }),
      },
    ]);
  });

  it("a schedule's own job is not announced as a change made outside Discord; other jobs still are", async () => {
    const jobFailed = (jobId: string) =>
      streamed(
        11,
        'job.failed',
        { serverName: 'flaky', kind: 'backup', step: 'backup', code: 'backup_failed', reason: REASON },
        jobId,
      );
    const ran = {
      ...backups,
      lastRun: { at: NEXT, outcome: 'failed' as const, jobId: 'job_9', note: REASON },
    };
    const { notifier, posts } = notifierWith(null, [ran]);
    await notifier.handle(jobFailed('job_9'));
    expect(posts).toEqual([]);
    await notifier.handle(jobFailed('job_10'));
    expect(posts.map((p) => p.body.content)).toEqual([
      `<@${ALICE}> Backup of **flaky** failed. ${REASON} (changed outside Discord)`,
    ]);
  });
});
