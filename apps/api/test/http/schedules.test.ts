// Schedules as their users reach them: added over HTTP, registered as BullMQ job schedulers in the guild's
// time zone, run by the worker when their time comes (here: the job BullMQ's scheduler would add at that time),
// rebuilt from SQLite when Redis loses them.
import type { Schedule, ScheduleList, Server } from '@guildserver/contracts';
import { describe, expect, it } from 'vitest';
import type { ScheduleFire } from '../../src/queue/schedule-queue.js';
import { ALICE, BOB, client, GUILD } from '../support/api-harness.js';
import {
  finished,
  runningServer,
  until,
  useWorkerStacks,
  type WorkerStack,
} from '../support/worker-stack.js';

const start = useWorkerStacks();

/** What BullMQ's job scheduler adds to the schedule queue when a schedule's time comes. */
async function timeComes(s: WorkerStack, fire: ScheduleFire): Promise<void> {
  await s.api.services.schedules.queue.add(fire.warning ? 'restart-warning' : 'run', fire);
}

/** The job schedulers of servers' schedules (GuildServer's own housekeeping has one too). */
const serverSchedulers = async (s: WorkerStack) =>
  (await s.api.services.schedules.queue.getJobSchedulers(0, -1)).filter((j) => !j.key.startsWith('system:'));

const schedulesOf = async (s: WorkerStack, server: Server) =>
  (await s.admin<ScheduleList>('GET', `/v1/servers/${server.id}/schedules`)).body.schedules;

const eventsOf = async (s: WorkerStack, server: Server) =>
  (
    await s.admin<{ events: { type: string; message: string; data: Record<string, unknown> }[] }>(
      'GET',
      `/v1/events?serverId=${server.id}&limit=1000`,
    )
  ).body.events;

/** The local wall-clock time of an instant in a zone, as HH:MM. */
const localTime = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    new Date(iso),
  );

describe('schedules', () => {
  it("registers a job scheduler in the guild's time zone, and moves it when a guild admin changes the zone", async () => {
    const s = await start();
    const server = await runningServer(s, 'nightly');
    const added = await s.admin<Schedule>('POST', `/v1/servers/${server.id}/schedules`, {
      action: 'restart',
      at: '04:30',
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ action: 'restart', at: '04:30', everyHours: null, timeZone: 'UTC' });
    expect(localTime(added.body.nextRunAt!, 'UTC')).toBe('04:30');
    // The restart and its two warnings, 5 and 1 minutes before.
    const schedulers = await serverSchedulers(s);
    expect(schedulers.map((j) => [j.pattern, j.tz]).sort()).toEqual([
      ['25 4 * * *', 'UTC'],
      ['29 4 * * *', 'UTC'],
      ['30 4 * * *', 'UTC'],
    ]);

    // Only the guild's admins set its time zone.
    const bot = s.api.token(['bot']);
    const member = client(s.api.url, bot, { user: BOB });
    const guildAdmin = client(s.api.url, bot, { user: BOB, adminOf: GUILD });
    const refused = await member('PATCH', `/v1/guilds/${GUILD}/settings`, { timeZone: 'Europe/Berlin' });
    expect(refused.status).toBe(403);
    const wrongZone = await guildAdmin('PATCH', `/v1/guilds/${GUILD}/settings`, { timeZone: 'Mars/Olympus' });
    expect(wrongZone.status).toBe(400);
    expect(wrongZone.body).toMatchObject({
      error: {
        code: 'invalid_request',
        message:
          "'Mars/Olympus' is not a time zone this server knows; use an IANA name such as Europe/Berlin or America/New_York.",
      },
    });
    const set = await guildAdmin('PATCH', `/v1/guilds/${GUILD}/settings`, { timeZone: 'Europe/Berlin' });
    expect(set.body).toEqual({
      guildId: GUILD,
      timeZone: 'Europe/Berlin',
      adminChannelId: null,
      idleSleep: '30m',
      idleSleepSetBy: 'default',
      idleSleepMax: '30m',
    });
    const [moved] = await schedulesOf(s, server);
    expect(moved).toMatchObject({ timeZone: 'Europe/Berlin' });
    expect(localTime(moved!.nextRunAt!, 'Europe/Berlin')).toBe('04:30');
    expect((await serverSchedulers(s)).every((j) => j.tz === 'Europe/Berlin')).toBe(true);
  });

  it('refuses a schedule it cannot run, in one sentence each', async () => {
    const s = await start();
    const server = await runningServer(s, 'picky');
    const post = (body: object) => s.admin('POST', `/v1/servers/${server.id}/schedules`, body);
    expect((await post({ action: 'restart', at: '25:00' })).status).toBe(400);
    const hours = await post({ action: 'backup', everyHours: 5 });
    expect(hours.status).toBe(400);
    expect(JSON.stringify(hours.body)).toContain(
      'must be one of 1, 2, 3, 4, 6, 8, 12 (hours that divide a day)',
    );
    const notBackup = await post({ action: 'restart', everyHours: 6 });
    expect(notBackup.status).toBe(400);
    expect(notBackup.body).toMatchObject({
      error: { message: 'everyHours is for backups only; other actions run daily at a time (at: HH:MM).' },
    });
    const neither = await post({ action: 'stop' });
    expect(neither.body).toMatchObject({
      error: { message: 'The request needs either at (a time of day, HH:MM) or, for a backup, everyHours.' },
    });
    expect((await post({ action: 'backup', everyHours: 6 })).status).toBe(201);
    const twice = await post({ action: 'backup', everyHours: 6 });
    expect(twice.status).toBe(409);
    expect((twice.body as { error: { message: string } }).error.message).toMatch(
      /^The server 'picky' already has a backup every 6 hours \(sch_[a-z0-9]{12}\)\.$/,
    );
    const alice = client(s.api.url, s.api.token(['bot']), { user: BOB });
    expect(
      (await alice('POST', `/v1/servers/${server.id}/schedules`, { action: 'stop', at: '02:00' })).status,
    ).toBe(403);
  });

  it('a run queues the job as a person would; a run while another job holds the server is skipped and says so', async () => {
    const s = await start();
    const server = await runningServer(s, 'busy');
    const restart = (
      await s.admin<Schedule>('POST', `/v1/servers/${server.id}/schedules`, {
        action: 'restart',
        at: '05:00',
      })
    ).body;
    // The server is busy with a backup when the restart's time comes.
    const backup = await s.admin<{ jobId: string }>('POST', `/v1/servers/${server.id}/backups`, {});
    await timeComes(s, { scheduleId: restart.id });
    const skipped = await until('the skip', async () =>
      (await eventsOf(s, server)).find((e) => e.type === 'schedule.skipped'),
    );
    expect(skipped.message).toBe(
      "The scheduled restart of 'busy' was skipped: The server 'busy' is backing up; it cannot restart now.",
    );
    await finished(s, backup.body.jobId);
    expect((await schedulesOf(s, server))[0]!.lastRun).toMatchObject({ outcome: 'skipped', jobId: null });

    // Free again: the next run restarts it, audited as the scheduler.
    await timeComes(s, { scheduleId: restart.id });
    const queued = await until('the restart', async () => {
      const run = (await schedulesOf(s, server))[0]!.lastRun;
      return run?.outcome === 'queued' ? run : undefined;
    });
    const job = await finished(s, queued.jobId!);
    expect(job).toMatchObject({ kind: 'restart', state: 'succeeded' });
  });

  it('warns players before a restart where the game can be told, and says where it cannot', async () => {
    const s = await start();
    const minecraft = await runningServer(s, 'chatty');
    const openttd = await runningServer(s, 'quiet', 'openttd');
    for (const server of [minecraft, openttd]) {
      const { body } = await s.admin<Schedule>('POST', `/v1/servers/${server.id}/schedules`, {
        action: 'restart',
        at: '06:00',
      });
      await timeComes(s, { scheduleId: body.id, warning: 5 });
    }
    const told = await until('the warning', async () =>
      (await eventsOf(s, minecraft)).find((e) => e.type === 'schedule.warned'),
    );
    expect(told.data).toMatchObject({ minutes: 5, delivered: true });
    expect(told.message).toBe(
      'Simulated: would tell the players in Minecraft: Java Edition “This server restarts in 5 minutes.” (no real VM behind the simulator).',
    );
    const untold = await until('the warning', async () =>
      (await eventsOf(s, openttd)).find((e) => e.type === 'schedule.warned'),
    );
    expect(untold.data).toMatchObject({ minutes: 5, delivered: false });
    expect(untold.message).toBe(
      'Players of quiet could not be warned of the restart in 5 min: OpenTTD has no way for GuildServer to talk to players in-game.',
    );
  });

  it('a failing schedule is announced once, and again only after it has worked in between', async () => {
    const s = await start();
    const server = await runningServer(s, 'flaky');
    const backup = (
      await s.admin<Schedule>('POST', `/v1/servers/${server.id}/schedules`, {
        action: 'backup',
        everyHours: 6,
      })
    ).body;
    const runOnce = async () => {
      const before = (await schedulesOf(s, server))[0]!.lastRun?.at;
      await timeComes(s, { scheduleId: backup.id });
      const run = await until('the run', async () => {
        const last = (await schedulesOf(s, server))[0]!.lastRun;
        return last && last.at !== before && last.outcome !== 'skipped' ? last : undefined;
      });
      if (run.jobId) await finished(s, run.jobId);
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // one archive per second
    };
    const failures = async () => (await eventsOf(s, server)).filter((e) => e.type === 'schedule.failed');
    s.api.sim.faults.storageFull('local', 2);
    await runOnce();
    await runOnce();
    expect(await failures()).toHaveLength(1);
    expect((await failures())[0]!.message).toMatch(
      /^The scheduled backup of 'flaky' failed: Proxmox could not back the VM up: .*No space left on device\.$/,
    );
    await runOnce(); // works
    s.api.sim.faults.storageFull('local');
    await runOnce();
    expect(await failures()).toHaveLength(2);
    const made = await s.admin<{ backups: { reason: string }[] }>('GET', `/v1/servers/${server.id}/backups`);
    expect(made.body.backups.map((b) => b.reason)).toEqual(['scheduled']);
  });

  it('rebuilds the job schedulers from the database when Redis lost them, and drops them with the server', async () => {
    const s = await start();
    const server = await runningServer(s, 'amnesia');
    await s.admin('POST', `/v1/servers/${server.id}/schedules`, { action: 'stop', at: '02:00' });
    await s.admin('POST', `/v1/servers/${server.id}/schedules`, { action: 'start', at: '16:00' });
    const queue = s.api.services.schedules.queue;
    for (const scheduler of await queue.getJobSchedulers(0, -1))
      await queue.removeJobScheduler(scheduler.key);
    expect(await queue.getJobSchedulersCount()).toBe(0);
    // The worker's periodic check notices and rebuilds them, its own housekeeping schedulers too.
    const wanted = 2 + s.api.services.schedules.systemCount;
    await until('the rebuild', async () =>
      (await queue.getJobSchedulersCount()) === wanted ? true : undefined,
    );
    expect(
      (await queue.getJobSchedulers(0, -1))
        .map((j) => j.key)
        .filter((k) => k.startsWith('system:'))
        .sort(),
    ).toEqual([
      'system:backup-expiry',
      'system:image-refresh',
      'system:player-monitor',
      'system:pool-upkeep',
    ]);
    expect((await serverSchedulers(s)).map((j) => j.pattern).sort()).toEqual(['0 16 * * *', '0 2 * * *']);
    expect((await schedulesOf(s, server)).every((x) => x.nextRunAt !== null)).toBe(true);

    const deleted = await s.admin<{ jobId: string }>('DELETE', `/v1/servers/${server.id}?finalBackup=false`);
    await finished(s, deleted.body.jobId);
    await until('the schedulers to go', async () =>
      (await serverSchedulers(s)).length === 0 ? true : undefined,
    );
  });

  it("shows a server's schedules to who may see the server", async () => {
    const s = await start();
    const server = await runningServer(s, 'shown');
    await s.admin('POST', `/v1/servers/${server.id}/schedules`, { action: 'backup', at: '03:00' });
    const bot = s.api.token(['bot']);
    expect(
      (await client(s.api.url, bot, { user: ALICE })('GET', `/v1/servers/${server.id}/schedules`)).status,
    ).toBe(200);
    const other = await client(s.api.url, bot, { user: BOB })('GET', `/v1/servers/${server.id}/schedules`);
    expect(other.status).toBe(403);
  });
});
