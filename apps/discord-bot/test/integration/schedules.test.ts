// /server schedule and /server settings end to end: the real discord.js client → the fake Discord; the real API
// and worker → Redis (BullMQ's job schedulers) → the Proxmox simulator. The tests run in order on one stack
// and one server; a scheduled run is made to happen by adding the job BullMQ's scheduler adds at its time.
import type { Job, Schedule, ScheduleList, Server } from '@guildserver/contracts';
import type { FakeDiscord } from '@guildserver/discord-fake';
import { expectNoDiscordViolations } from '@guildserver/discord-fake/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningBot } from '../../src/bot.js';
import {
  ADMIN,
  ADMINS,
  ALICE,
  GENERAL,
  GUILD,
  newStatePath,
  ROLE_ADMIN,
  startDiscord,
  startTestBot,
  userActions,
} from './harness.js';
import { type Stack, startStack } from './stack.js';

const ZONE_HINT = 'an admin sets it with `/server settings time-zone`';
async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const at = (iso: string | null, style: string) => `<t:${Math.floor(Date.parse(iso!) / 1000)}:${style}>`;

describe('/server schedule and /server settings through discord.js, the fake Discord and the real API', () => {
  let stack: Stack;
  let discord: FakeDiscord;
  let bot: RunningBot;
  let nightly: Server;

  const { command, autocomplete, answer, api, serverNamed, waitForState } = userActions(
    () => discord,
    () => stack,
  );
  const schedules = async () =>
    (await api<ScheduleList>('GET', `/v1/servers/${nightly.id}/schedules`)).schedules;
  const find = async (action: Schedule['action'], when: Partial<Schedule> = {}) =>
    (await schedules()).find(
      (s) => s.action === action && Object.entries(when).every(([k, v]) => s[k as keyof Schedule] === v),
    );

  beforeAll(async () => {
    stack = await startStack(inject('redisUrl'), 'schedules');
    const started = await startDiscord();
    discord = started.discord;
    bot = await startTestBot({
      discord,
      token: started.token,
      apiUrl: stack.apiUrl,
      apiToken: stack.botToken,
      statePath: newStatePath(),
    });
    await answer(command(ALICE, 'create', { game: 'minecraft-java', name: 'nightly' }), (t) =>
      t.includes('nightly is running'),
    );
    nightly = await serverNamed('nightly');
  }, 120_000);

  afterAll(async () => {
    await bot?.stop();
    await discord?.close();
    await stack?.close();
  }, 30_000);

  afterEach(() => expectNoDiscordViolations(discord));

  it('add: the schedule in words, its next run as a Discord timestamp, and the time zone', async () => {
    const handle = command(ALICE, 'schedule add', { name: 'nightly', action: 'restart', at: '4:30' });
    expect((await handle.response()).data?.flags).toBe(64);
    const text = await answer(handle);
    const restart = (await find('restart', { at: '04:30' }))!;
    expect(restart).toMatchObject({ everyHours: null, timeZone: 'UTC' });
    expect(text).toBe(
      `**nightly** will restart daily at 04:30, next ${at(restart.nextRunAt, 'f')} (${at(restart.nextRunAt, 'R')}) — times are in UTC; ${ZONE_HINT}.`,
    );

    const every = await answer(
      command(ALICE, 'schedule add', { name: 'nightly', action: 'backup', every: 6 }),
    );
    const backup = (await find('backup'))!;
    expect(backup).toMatchObject({ at: null, everyHours: 6 });
    expect(every).toMatch(
      /^\*\*nightly\*\* will be backed up every 6 hours, next <t:\d+:f> \(<t:\d+:R>\) — times are in UTC;/,
    );

    // The same schedule again: the API's refusal names the schedule's id, so the bot says it in its words.
    const again = await answer(
      command(ALICE, 'schedule add', { name: 'nightly', action: 'backup', every: 6 }),
    );
    expect(again).toBe('That server already has this schedule; `/server schedule list` shows its schedules.');
  });

  it('at and every together: one sentence, and nothing is added', async () => {
    const before = (await schedules()).length;
    const both = command(ALICE, 'schedule add', { name: 'nightly', action: 'backup', at: '03:00', every: 6 });
    expect(await answer(both)).toBe(
      'Give either `at` (daily at a time) or `every` (backups every few hours), not both.',
    );
    const restartEvery = command(ALICE, 'schedule add', { name: 'nightly', action: 'restart', every: 2 });
    expect(await answer(restartEvery)).toBe(
      'Only backups run every few hours; give the restart a time of day with `at`.',
    );
    expect(await schedules()).toHaveLength(before);
  });

  it('off: a stop at from and a start at to, two schedules', async () => {
    const text = await answer(
      command(ALICE, 'schedule off', { name: 'nightly', from: '23:00', to: '07:00' }),
    );
    const stop = (await find('stop', { at: '23:00' }))!;
    const start = (await find('start', { at: '07:00' }))!;
    expect(text).toBe(
      `**nightly** will be off daily from 23:00 to 07:00: it stops next ${at(stop.nextRunAt, 'f')} (${at(stop.nextRunAt, 'R')}) and starts next ${at(start.nextRunAt, 'f')} (${at(start.nextRunAt, 'R')}) — times are in UTC; ${ZONE_HINT}.`,
    );
  });

  it('settings: refused to members; a guild admin sets the time zone (autocomplete) and the admin channel', async () => {
    const refusal =
      'Only this guild’s admins (Manage Server, or the admin role) can see or change its GuildServer settings.';
    expect(await answer(command(ALICE, 'settings'))).toBe(refusal);
    expect(await answer(command(ALICE, 'settings', { 'time-zone': 'Europe/Berlin' }))).toBe(refusal);
    expect((await api<{ timeZone: string }>('GET', `/v1/guilds/${GUILD}/settings`)).timeZone).toBe('UTC');

    const offered = await autocomplete(ADMIN, 'settings', { 'time-zone': 'berl' }, 'time-zone').response();
    expect(offered).toEqual([{ name: 'Europe/Berlin', value: 'Europe/Berlin' }]);
    const saved = await answer(
      command(ADMIN, 'settings', { 'time-zone': offered[0]!.value as string, 'admin-channel': ADMINS }),
    );
    expect(saved).toBe(
      [
        'Saved.',
        'GuildServer settings of this guild',
        'Time zone: Europe/Berlin (every schedule of this guild runs in it)',
        `Admin channel: <#${ADMINS}> (failed schedules are reported there too)`,
        'Idle sleep: servers sleep after 30m without players (the default); owners may choose up to 30m for their server',
      ].join('\n'),
    );
    // Shown, unchanged, to an admin by role; a zone the API does not know is refused in its words.
    const shown = await answer(command(ROLE_ADMIN, 'settings'));
    expect(shown).toMatch(/^GuildServer settings of this guild\nTime zone: Europe\/Berlin /);
    expect(await answer(command(ADMIN, 'settings', { 'time-zone': 'Mars/Olympus' }))).toBe(
      "'Mars/Olympus' is not a time zone this server knows; use an IANA name such as Europe/Berlin or America/New_York.",
    );
    // Idle sleep: the guild's own, and the longest owners may choose; settings that disagree are refused.
    const sleepy = await answer(command(ADMIN, 'settings', { 'idle-sleep': '45m', 'idle-sleep-max': '2h' }));
    expect(sleepy).toContain(
      'Idle sleep: servers sleep after 45m without players; owners may choose up to 2h for their server',
    );
    expect(await answer(command(ADMIN, 'settings', { 'idle-sleep-max': '20m' }))).toBe(
      'idle-sleep (45m) is longer than idle-sleep-max (20m), the longest owners may choose; raise idle-sleep-max or shorten idle-sleep.',
    );
    // An owner chooses within it for their server, and is told the guild's limit beyond it.
    const own = await answer(command(ALICE, 'idle-sleep', { name: 'nightly', after: '90m' }));
    expect(own).toMatch(
      /^Saved\.\nnightly\n[\s\S]*Idle sleep: after 90m without players \(its own setting\)/,
    );
    expect(await answer(command(ALICE, 'idle-sleep', { name: 'nightly', after: '3h' }))).toBe(
      'This guild lets a server stay awake at most 2h without players; choose that or less (an admin can raise it with /server settings idle-sleep-max).',
    );
    expect(await answer(command(ALICE, 'idle-sleep', { name: 'nightly', after: 'soon' }))).toBe(
      'after must be off or a length of time with its unit, such as 30m or 2h.',
    );
  });

  it('list: what, when and next run of each schedule, in the guild’s time zone', async () => {
    const text = await answer(command(ALICE, 'schedule list', { name: 'nightly' }), (t) =>
      t.includes('Schedules of nightly'),
    );
    const all = await schedules();
    expect(all.every((s) => s.timeZone === 'Europe/Berlin')).toBe(true);
    const lines = all.map((s) => {
      const when = s.at ? `daily at ${s.at}` : `every ${s.everyHours} hours`;
      return `**${s.action}** ${when} · next ${at(s.nextRunAt, 'R')}`;
    });
    expect(text).toBe(
      ['Schedules of nightly', ...lines, `Time zone: Europe/Berlin; ${ZONE_HINT}`].join('\n'),
    );
    expect(lines[0]).toMatch(/^\*\*restart\*\* daily at 04:30 · next <t:\d+:R>$/);
  });

  it('remove: autocomplete offers the server’s schedules; the one picked is removed', async () => {
    const offered = await autocomplete(
      ALICE,
      'schedule remove',
      { name: 'nightly', schedule: '' },
      'schedule',
    ).response();
    expect(offered.map((c) => c.name)).toEqual([
      'restart daily 04:30',
      'backup every 6 h',
      'stop daily 23:00',
      'start daily 07:00',
    ]);
    const typed = await autocomplete(
      ALICE,
      'schedule remove',
      { name: 'nightly', schedule: 'restart' },
      'schedule',
    ).response();
    const restart = (await find('restart'))!;
    expect(typed).toEqual([{ name: 'restart daily 04:30', value: restart.id }]);
    const removed = command(ALICE, 'schedule remove', {
      name: 'nightly',
      schedule: typed[0]!.value as string,
    });
    expect(await answer(removed)).toBe('**nightly** will no longer restart daily at 04:30.');
    expect((await schedules()).map((s) => s.action)).toEqual(['backup', 'stop', 'start']);
  });

  it('a failed scheduled backup is told once: to the owner in the server’s channel, and in the admin channel', async () => {
    const backup = (await find('backup'))!;
    await waitForState('nightly', 'running');
    /** What BullMQ's scheduler does at the backup's time; resolves with that run's job once it has failed. */
    async function runOnce(): Promise<Job> {
      const before = (await find('backup'))!.lastRun?.at;
      await stack.fireSchedule(backup.id);
      const job = await until('the run to fail', async () => {
        const run = (await find('backup'))!.lastRun;
        if (!run?.jobId || run.at === before) return undefined;
        const ran = await api<Job>('GET', `/v1/jobs/${run.jobId}`);
        return ran.state === 'failed' ? ran : undefined;
      });
      await waitForState('nightly', 'running');
      return job;
    }
    /** Once the bot has handled every event written so far. */
    async function noticesSettled(): Promise<void> {
      let cursor = 0;
      for (;;) {
        const page = await api<{ events: unknown[]; cursor: number }>(
          'GET',
          `/v1/events?after=${cursor}&limit=1000`,
        );
        cursor = page.cursor;
        if (page.events.length < 1000) break;
      }
      await until('the bot to catch up', () => ((bot.state.cursor ?? 0) >= cursor ? true : undefined));
    }
    const failedNotice = (m: { content: string }) =>
      m.content.includes('The scheduled backup of **nightly**');
    stack.sim.faults.storageFull('local', 2);
    const first = await runOnce();
    const told = await discord.waitFor(() => discord.channelMessages(GENERAL).find(failedNotice), 30_000);
    expect(told.content).toBe(
      `<@${ALICE}> The scheduled backup of **nightly** failed: ${first.error!.message} Later failures stay quiet until a run works again; \`/server schedule list\` shows each run.`,
    );
    expect(told.mentions.map((u) => u.id)).toEqual([ALICE]);
    const admins = await discord.waitFor(() => discord.channelMessages(ADMINS).find(failedNotice), 30_000);
    expect(admins.content).toBe(
      `The scheduled backup of **nightly** (<@${ALICE}>’s) failed: ${first.error!.message}`,
    );
    expect(admins.mentions).toEqual([]);

    const second = await runOnce();
    await noticesSettled();
    const list = await answer(command(ALICE, 'schedule list', { name: 'nightly' }), (t) =>
      t.includes('Schedules of nightly'),
    );
    expect(list).toMatch(/^└ last run <t:\d+:R>: ❌ failed — .*No space left on device\.$/m);
    expect(second.error?.message).toMatch(/No space left on device/);
    // Said once: the second failure adds no notice.
    expect(discord.channelMessages(GENERAL).filter(failedNotice)).toHaveLength(1);
    expect(discord.channelMessages(ADMINS)).toHaveLength(1);
    // The failed jobs themselves are the schedule's to tell: no "changed outside Discord" notice of them.
    expect(
      discord.channelMessages(GENERAL).filter((m) => m.content.includes('Backup of **nightly**')),
    ).toEqual([]);
  }, 120_000);
});
