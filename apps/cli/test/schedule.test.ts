// `gs schedule …` and `gs guild settings …` against a running API (simulator, API + worker, Redis, SQLite),
// `gs` itself as a child process without a terminal.
import type { GuildSettings, Schedule, ScheduleList } from '@guildserver/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiStack, node, startApiStack } from './support/api-stack.js';

const SCHEDULE_ID = /sch_[a-z0-9]{12}/;
const DAY_TIME = /\d{4}-\d\d-\d\d \d\d:\d\d/;

/** The wall-clock time of an instant in a zone, as HH:MM. */
const localTime = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    new Date(iso),
  );

describe('gs schedule and gs guild settings against a running API', () => {
  let stack: ApiStack;
  const GUILD = '100000000000000001';
  const place = {
    GS_GUILD_ID: GUILD,
    GS_OWNER_ID: '200000000000000002',
    GS_CHANNEL_ID: '300000000000000003',
  };
  /** `gs` on a machine whose own time zone is `tz` (UTC unless said). */
  const gs = (args: string[], tz = 'UTC', token?: string) =>
    node('gs', args, { API_URL: stack.url, API_TOKEN: token ?? stack.token, TZ: tz, ...place }, 90_000);
  const schedules = async () => {
    const listed = await gs(['schedule', 'list', 'survival', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    return (JSON.parse(listed.stdout) as ScheduleList).schedules;
  };
  const refusedWith = (
    result: { code: number; stdout: string; stderr: string },
    sentence: string | RegExp,
  ) => {
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    if (typeof sentence === 'string') expect(result.stderr.trim()).toBe(`gs: ${sentence}`);
    else expect(result.stderr.trim()).toMatch(sentence);
  };

  beforeAll(async () => {
    stack = await startApiStack('gs-schedule-test');
    const created = await gs(['create', 'minecraft-java', 'survival', '--watch']);
    expect(created.code, created.stderr).toBe(0);
  }, 180_000);

  afterAll(() => stack?.close(), 30_000);

  it('add a daily restart and a backup every 6 hours; list shows them with their next runs, as text and JSON', async () => {
    const daily = await gs(['schedule', 'add', 'survival', 'restart', '04:30']);
    expect(daily.stderr).toBe('');
    expect(daily.code).toBe(0);
    expect(daily.stdout).toMatch(
      new RegExp(
        `^Added ${SCHEDULE_ID.source} to survival: restart daily at 04:30 \\(UTC\\)\\.\\n` +
          `Next run: \\d{4}-\\d\\d-\\d\\d 04:30\\.\\n` +
          'Players are warned 5 and 1 minutes before, where the game allows it.\\n$',
      ),
    );

    const every = await gs(['schedule', 'add', 'survival', 'backup', 'every', '6h', '--json']);
    expect(every.code, every.stderr).toBe(0);
    const backup = JSON.parse(every.stdout) as Schedule;
    expect(backup).toMatchObject({ action: 'backup', at: null, everyHours: 6, timeZone: 'UTC' });
    expect(['00:00', '06:00', '12:00', '18:00']).toContain(localTime(backup.nextRunAt!, 'UTC'));

    const text = await gs(['schedule', 'list', 'survival']);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+ACTION\s+WHEN\s+NEXT\s+LAST$/);
    expect(lines[1]).toMatch(
      new RegExp(`^${SCHEDULE_ID.source}\\s+restart\\s+daily 04:30\\s+\\d{4}-\\d\\d-\\d\\d 04:30\\s+-$`),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^${backup.id}\\s+backup\\s+every 6 h\\s+\\d{4}-\\d\\d-\\d\\d (00|06|12|18):00\\s+-$`),
    );
    expect(text.stdout).toContain(
      `\nTimes are in UTC, the time zone of guild ${GUILD} (\`gs guild settings ${GUILD} --time-zone Europe/Berlin\` sets it).\n`,
    );

    // On a machine in another time zone, NEXT also shows its own time.
    const elsewhere = await gs(['schedule', 'list', 'survival'], 'Asia/Tokyo');
    expect(elsewhere.stdout).toMatch(/restart\s+daily 04:30\s+\d{4}-\d\d-\d\d 04:30 \(13:30 local\)\s+-/);
    expect(elsewhere.stdout).toContain("; local is this machine's time (Asia/Tokyo).");

    const json = await schedules();
    expect(json).toHaveLength(2);
    expect(json[0]).toMatchObject({ action: 'restart', at: '04:30', everyHours: null, lastRun: null });
    expect(localTime(json[0]!.nextRunAt!, 'UTC')).toBe('04:30');
    expect(json[1]).toMatchObject({ id: backup.id, nextRunAt: backup.nextRunAt });
  }, 90_000);

  it('refusals are the API’s sentence, exit code 1: a duplicate, a bad time, hours that do not divide a day', async () => {
    refusedWith(
      await gs(['schedule', 'add', 'survival', 'backup', '--every', '6']),
      /^gs: The server 'survival' already has a backup every 6 hours \(sch_[a-z0-9]{12}\)\.$/,
    );
    refusedWith(
      await gs(['schedule', 'add', 'survival', 'restart', '25:00']),
      'at must be a time of day as HH:MM, such as 04:30.',
    );
    refusedWith(
      await gs(['schedule', 'add', 'survival', 'backup', 'every', '5', 'hours']),
      'everyHours must be one of 1, 2, 3, 4, 6, 8, 12 (hours that divide a day).',
    );
    // Mistakes gs sees itself, before any request.
    refusedWith(
      await gs(['schedule', 'add', 'survival', 'restart', 'every', '6h']),
      'Only backups run every N hours; a restart runs daily at a time, such as `gs schedule add <server> restart 04:30`.',
    );
    refusedWith(
      await gs(['schedule', 'add', 'survival', 'reboot', '04:00']),
      "A schedule does one of restart, backup, stop, start; 'reboot' is none of them.",
    );
    const json = await gs(['schedule', 'add', 'survival', 'restart', '04:30', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      error: {
        code: 'invalid_state',
        message: expect.stringMatching(/^The server 'survival' already has a restart daily at 04:30 \(sch_/),
      },
    });
    expect(await schedules()).toHaveLength(2);
  }, 90_000);

  it('off makes a stop and a start, or neither when one is refused', async () => {
    const off = await gs(['schedule', 'off', 'survival', '02:00', '16:00']);
    expect(off.stderr).toBe('');
    expect(off.code).toBe(0);
    expect(off.stdout).toMatch(
      new RegExp(
        `^survival is off daily from 02:00 to 16:00 \\(UTC\\): stop ${SCHEDULE_ID.source}, start ${SCHEDULE_ID.source}\\.\\n` +
          `Next stop: ${DAY_TIME.source}; next start: ${DAY_TIME.source}\\.\\n$`,
      ),
    );
    const all = await schedules();
    expect(all.map((s) => [s.action, s.at])).toEqual([
      ['restart', '04:30'],
      ['backup', null],
      ['stop', '02:00'],
      ['start', '16:00'],
    ]);
    expect(localTime(all[2]!.nextRunAt!, 'UTC')).toBe('02:00');
    expect(localTime(all[3]!.nextRunAt!, 'UTC')).toBe('16:00');

    // The start at 16:00 exists already: the stop at 03:00 made first is taken back.
    refusedWith(
      await gs(['schedule', 'off', 'survival', '03:00', '16:00']),
      /^gs: The server 'survival' already has a start daily at 16:00 \(sch_[a-z0-9]{12}\)\.$/,
    );
    expect(await schedules()).toHaveLength(4);
  }, 90_000);

  it('remove by a unique beginning of the id; an ambiguous or unknown one is refused', async () => {
    const stop = (await schedules()).find((s) => s.action === 'stop')!;
    refusedWith(
      await gs(['schedule', 'remove', 'survival', 'sch_']),
      /^gs: 'sch_' could be any of 4 schedules of survival: sch_.*; give more of the id\.$/,
    );
    refusedWith(
      await gs(['schedule', 'remove', 'survival', 'nosuch']),
      /^gs: survival has no schedule 'nosuch'; its schedules are sch_[a-z0-9]{12} \(restart daily at 04:30\), /,
    );
    const removed = await gs(['schedule', 'remove', 'survival', stop.id.slice(0, 10)]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(`Removed ${stop.id} from survival: stop daily at 02:00 (UTC).\n`);
    // Without the sch_ too.
    const start = (await schedules()).find((s) => s.action === 'start')!;
    const json = await gs(['schedule', 'remove', 'survival', start.id.slice(4, 10), '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: start.id, action: 'start', nextRunAt: null });
    expect((await schedules()).map((s) => s.action)).toEqual(['restart', 'backup']);
  }, 90_000);

  it("guild settings: shown, then a new time zone moves the schedules, whose times stay the guild's", async () => {
    const shown = await gs(['guild', 'settings', GUILD]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      new RegExp(
        `^Guild ${GUILD}\\n  time zone\\s+UTC \\(the times of its schedules\\)\\n  admin channel\\s+none `,
      ),
    );
    const json = await gs(['guild', 'settings', GUILD, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      guildId: GUILD,
      timeZone: 'UTC',
      adminChannelId: null,
      idleSleep: '30m',
      idleSleepSetBy: 'default',
      idleSleepMax: '30m',
    });

    const changed = await gs(['guild', 'settings', GUILD, '--time-zone', 'Europe/Berlin']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toMatch(
      new RegExp(
        `^Every schedule of guild ${GUILD}'s servers now runs in Europe/Berlin\\.\\nGuild ${GUILD}\\n  time zone\\s+Europe/Berlin `,
      ),
    );

    const [restart, backup] = await schedules();
    expect(restart).toMatchObject({ timeZone: 'Europe/Berlin', at: '04:30' });
    expect(localTime(restart!.nextRunAt!, 'Europe/Berlin')).toBe('04:30');
    expect(localTime(restart!.nextRunAt!, 'UTC')).not.toBe('04:30');
    expect(['00:00', '06:00', '12:00', '18:00']).toContain(localTime(backup!.nextRunAt!, 'Europe/Berlin'));

    // The list shows the guild's time first, and this machine's (UTC) after it.
    const text = await gs(['schedule', 'list', 'survival']);
    const utc = localTime(restart!.nextRunAt!, 'UTC');
    expect(text.stdout).toMatch(
      new RegExp(`restart\\s+daily 04:30\\s+\\d{4}-\\d\\d-\\d\\d 04:30 \\(${utc} local\\)`),
    );
    expect(text.stdout).toContain(
      `Times are in Europe/Berlin, the time zone of guild ${GUILD}; local is this machine's time (UTC).`,
    );
    // On a machine in Berlin, one time only.
    const berlin = await gs(['schedule', 'list', 'survival'], 'Europe/Berlin');
    expect(berlin.stdout).toMatch(/restart\s+daily 04:30\s+\d{4}-\d\d-\d\d 04:30\s+-\n/);
    expect(berlin.stdout).toContain(`Times are in Europe/Berlin, the time zone of guild ${GUILD}.`);

    const added = await gs(['schedule', 'add', 'survival', 'stop', '23:15', '--json']);
    const stop = JSON.parse(added.stdout) as Schedule;
    expect(stop.timeZone).toBe('Europe/Berlin');
    expect(localTime(stop.nextRunAt!, 'Europe/Berlin')).toBe('23:15');
  }, 90_000);

  it('guild settings: the admin channel, and what the API refuses (a bad zone, a token that is not an admin)', async () => {
    const set = await gs(['guild', 'settings', GUILD, '--admin-channel', '300000000000000009', '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout) as GuildSettings).toEqual({
      guildId: GUILD,
      timeZone: 'Europe/Berlin',
      adminChannelId: '300000000000000009',
      idleSleep: '30m',
      idleSleepSetBy: 'default',
      idleSleepMax: '30m',
    });
    const sleepy = await gs(['guild', 'settings', GUILD, '--idle-sleep', '45m', '--idle-sleep-max', 'off']);
    expect(sleepy.code, sleepy.stderr).toBe(0);
    expect(sleepy.stdout).toMatch(/idle sleep\s+after 45m without players\n/);
    expect(sleepy.stdout).toMatch(/idle sleep max\s+any \(owners may also turn it off\)/);
    refusedWith(
      await gs(['guild', 'settings', GUILD, '--idle-sleep-max', '20m']),
      'idle-sleep (45m) is longer than idle-sleep-max (20m), the longest owners may choose; raise idle-sleep-max or shorten idle-sleep.',
    );
    const unset = await gs(['guild', 'settings', GUILD, '--no-admin-channel']);
    expect(unset.code, unset.stderr).toBe(0);
    expect(unset.stdout).toMatch(
      new RegExp(`^Failed schedules of guild ${GUILD} are no longer reported in an admin channel\\.\\n`),
    );
    expect(unset.stdout).toMatch(/admin channel\s+none /);

    refusedWith(
      await gs(['guild', 'settings', GUILD, '--time-zone', 'Mars/Olympus']),
      "'Mars/Olympus' is not a time zone this server knows; use an IANA name such as Europe/Berlin or America/New_York.",
    );
    refusedWith(
      await gs(['guild', 'settings', 'nosuch']),
      "'nosuch' is not a Discord guild id (17 to 20 digits).",
    );

    const made = await gs(['token', 'create', '--name', 'reader', '--scope', 'read']);
    expect(made.code, made.stderr).toBe(0);
    const reader = made.stdout.trim();
    const read = await gs(['guild', 'settings', GUILD, '--json'], 'UTC', reader);
    expect(JSON.parse(read.stdout)).toMatchObject({ timeZone: 'Europe/Berlin', adminChannelId: null });
    refusedWith(
      await gs(['guild', 'settings', GUILD, '--time-zone', 'UTC'], 'UTC', reader),
      "Only the guild's admins (Manage Server, or the admin role) may see or change its settings.",
    );
    expect(JSON.parse((await gs(['guild', 'settings', GUILD, '--json'])).stdout).timeZone).toBe(
      'Europe/Berlin',
    );
  }, 90_000);
});
