// Idle sleep over a whole stack: the monitor finds a server without players for its idle period and queues its
// sleep job (the game saves, the address closes, the VM hibernates at Proxmox), a wake brings it back, and the
// settings that decide it — the guild's and the owner's — are set and refused over HTTP.
import type { ForwardingTable, GuildSettings, Job, Server } from '@guildserver/contracts';
import { fakeQuake3, type Quake3Status } from '@guildserver/game-query/testing';
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, client, GUILD } from '../support/api-harness.js';
import { finished, runningServer, until, type WorkerStack } from '../support/worker-stack.js';
import { player, probeAt, useMonitoredStacks } from './monitored-stack.js';

const sleepyStack = useMonitoredStacks();

/** The VM as Proxmox shows it: power, lock and the saved-memory volume. */
async function vmAtProxmox(s: WorkerStack, vmid: number) {
  const { proxmox } = s.api.services;
  const vm = { node: 'pve', vmid };
  const [status, config] = await Promise.all([proxmox.qemu.status(vm), proxmox.qemu.getConfig(vm)]);
  return { status: status.status, lock: status.lock ?? null, vmstate: config.vmstate ?? null };
}

/** The server's jobs of one kind, newest first, from its events. */
async function jobsOf(s: WorkerStack, id: string, kind: string): Promise<Job[]> {
  const events = (
    await s.admin<{ events: { type: string; jobId: string | null; data: { kind?: string } }[] }>(
      'GET',
      `/v1/events?serverId=${id}&limit=1000`,
    )
  ).body.events;
  const ids = [
    ...new Set(events.filter((e) => e.type === 'job.queued' && e.data.kind === kind).map((e) => e.jobId!)),
  ];
  return Promise.all(
    ids.reverse().map(async (jobId) => (await s.admin<Job>('GET', `/v1/jobs/${jobId}`)).body),
  );
}

describe('idle sleep', () => {
  it('puts a server without players to sleep, keeps one with players awake, and wakes it on request', async () => {
    const version = 'ioq3 1.36_GIT_f2c61c14-2021-12-19 linux-x86_64';
    const status: Quake3Status = {
      info: { sv_hostname: 'arena', sv_maxclients: '12', version },
      players: [],
    };
    const game = await fakeQuake3(status);
    try {
      const s = await sleepyStack(
        { IDLE_SLEEP_AFTER: '2s', IDLE_MIN_AWAKE: '3s' },
        probeAt(() => game.port),
      );
      const created = await runningServer(s, 'arena', 'openarena');
      const { id } = created;
      const vmid = created.vmid!;
      const view = async () => (await s.admin<Server>('GET', `/v1/servers/${id}`)).body;
      expect(created.sleep).toEqual({ afterMs: 2_000, setBy: 'default', capped: false, wakeSeconds: null });

      const asleep = await until('asleep', async () => {
        const v = await view();
        return v.state === 'sleeping' ? v : undefined;
      });
      // Asleep, not stopped: its address stays, nobody is counted; with no edge (EDGE=none) nothing answers there.
      expect(asleep.address).toBe(created.address);
      expect(asleep.publication).toBe('closed');
      expect(asleep.players).toBeNull();
      expect(asleep.activity).toMatchObject({ idleSince: null, idle: false });
      // The edge answers for it with the version the game reported while awake (a server list compares it).
      const edge = client(s.api.url, s.api.token(['edge'], 'edge'));
      const asleepEntry = async () =>
        (await edge<ForwardingTable>('GET', '/v1/edge/forwarding')).body.asleep?.find(
          (e) => e.serverId === id,
        );
      expect(await asleepEntry()).toMatchObject({ game: 'openarena', maxPlayers: 12, version });
      const [sleep] = await jobsOf(s, id, 'sleep');
      expect(sleep!.state).toBe('succeeded');
      expect(sleep!.steps.map((step) => step.name)).toEqual([
        'check_vm',
        'save_game',
        'unpublish_ports',
        'sleep_vm',
      ]);
      expect(sleep!.steps[1]!.detail).toBe(
        'OpenArena has no save command; hibernating keeps it exactly as it is.',
      );
      expect(sleep!.steps[3]!.detail).toBe(
        `VM ${vmid} is hibernated: its memory is on disk, and it resumes where it was.`,
      );
      // At Proxmox: off, locked `suspended`, its memory in a vmstate volume.
      const hibernated = await vmAtProxmox(s, vmid);
      expect(hibernated).toMatchObject({ status: 'stopped', lock: 'suspended' });
      expect(hibernated.vmstate).toMatch(
        new RegExp(`^local-lvm:vm-${vmid}-state-suspend-\\d{4}-\\d{2}-\\d{2}$`),
      );

      // A sleeping server is not started (that is for stopped ones) but woken.
      const start = await s.admin('POST', `/v1/servers/${id}/start`);
      expect(start.status).toBe(409);
      expect(start.body).toMatchObject({
        error: { code: 'invalid_state', message: "The server 'arena' is sleeping; it cannot start now." },
      });
      status.players = [player('alice')];
      const wake = await s.admin<{ jobId: string }>('POST', `/v1/servers/${id}/wake`);
      expect(wake.status).toBe(202);
      const woken = await finished(s, wake.body.jobId);
      expect(woken.state).toBe('succeeded');
      expect(woken.steps.map((step) => step.name)).toEqual([
        'check_vm',
        'start_vm',
        'wait_network',
        'wait_game',
        'publish_ports',
      ]);
      expect(await vmAtProxmox(s, vmid)).toEqual({ status: 'running', lock: null, vmstate: null });
      expect((await view()).state).toBe('running');

      // With a player on, rounds pass and it stays up, well past its idle period and the minimum awake time.
      const since = Date.now();
      await until('a few monitor rounds with a player on', async () => {
        const v = await view();
        return v.activity.checkedAt && Date.parse(v.activity.checkedAt) > since + 4_000 ? v : undefined;
      });
      expect((await view()).state).toBe('running');

      // The player leaves: asleep again after the idle period, and it knows how long its wake took. Answers
      // without a version meanwhile leave the last one known for the edge to answer with.
      status.players = [];
      delete status.info.version;
      const again = await until('asleep again', async () => {
        const v = await view();
        return v.state === 'sleeping' ? v : undefined;
      });
      expect((await asleepEntry())?.version).toBe(version);
      expect(again.sleep.wakeSeconds).toBe(
        Math.max(1, Math.round((Date.parse(woken.finishedAt!) - Date.parse(woken.createdAt)) / 1000)),
      );
      expect(await jobsOf(s, id, 'sleep')).toHaveLength(2);

      // Stopping a sleeping server resumes it so the game stops cleanly; a stopped one neither sleeps nor wakes.
      const stop = await s.admin<{ jobId: string }>('POST', `/v1/servers/${id}/stop`);
      const stopped = await finished(s, stop.body.jobId);
      expect(stopped.state).toBe('succeeded');
      expect(stopped.steps.find((step) => step.name === 'shutdown_vm')!.detail).toBe('Shut down.');
      expect(await vmAtProxmox(s, vmid)).toEqual({ status: 'stopped', lock: null, vmstate: null });
      const wakeStopped = await s.admin('POST', `/v1/servers/${id}/wake`);
      expect(wakeStopped.status).toBe(409);
      expect(wakeStopped.body).toMatchObject({
        error: { code: 'invalid_state', message: "The server 'arena' is stopped; it cannot wake now." },
      });
    } finally {
      await game.close();
    }
  });

  it('tells the edge what a sleeping server says, and wakes it when the edge reports a join', async () => {
    const s = await sleepyStack({ IDLE_SLEEP_AFTER: '1s', IDLE_MIN_AWAKE: '1s' });
    const { id, ports } = await runningServer(s, 'nightly', 'minecraft-java');
    const view = async () => (await s.admin<Server>('GET', `/v1/servers/${id}`)).body;
    await until('asleep', async () => ((await view()).state === 'sleeping' ? true : undefined));
    const edge = client(s.api.url, s.api.token(['edge'], 'edge'));
    const table = (await edge<ForwardingTable>('GET', '/v1/edge/forwarding')).body;
    // Asleep: not forwarded, but listed with the words its ports answer with.
    expect(table.entries.filter((e) => e.serverId === id)).toEqual([]);
    const game = ports.find((p) => p.purpose === 'game')!;
    expect(table.asleep).toEqual([
      {
        serverId: id,
        serverName: 'nightly',
        game: 'minecraft-java',
        ports: [{ purpose: 'game', index: 1, protocol: 'tcp', publishedPort: game.port }],
        status: 'nightly is asleep — join to wake it',
        joinMessage: 'nightly is waking up — join again in a minute',
        maxPlayers: 20,
      },
    ]);

    const join = { serverId: id, source: '198.51.100.7', protocol: 'tcp', publishedPort: game.port };
    // Only an edge reports joins.
    expect((await s.admin('POST', '/v1/edge/wake', join)).status).toBe(403);
    const first = await edge<{ outcome: string; jobId: string }>('POST', '/v1/edge/wake', join);
    expect(first.body).toMatchObject({ outcome: 'waking' });
    // The client retries its login while it wakes: no second job.
    const again = await edge<{ outcome: string; jobId?: string }>('POST', '/v1/edge/wake', join);
    expect(again.body.outcome).toBe('waking');
    const woken = await finished(s, first.body.jobId);
    expect(woken.state).toBe('succeeded');
    expect((await edge('POST', '/v1/edge/wake', join)).body).toEqual({ outcome: 'awake' });
    const queued = (
      await s.admin<{ events: { type: string; jobId: string | null; data: Record<string, unknown> }[] }>(
        'GET',
        `/v1/events?serverId=${id}&limit=1000`,
      )
    ).body.events.filter((e) => e.type === 'job.queued' && e.data.kind === 'wake');
    expect(queued).toHaveLength(1);
    expect(queued[0]!.data).toMatchObject({ kind: 'wake', trigger: 'join' });
    const table2 = (await edge<ForwardingTable>('GET', '/v1/edge/forwarding')).body;
    expect(table2.asleep).toEqual([]);
    expect(table2.entries.some((e) => e.serverId === id)).toBe(true);
    // A stopped server is not started by a join: its owner stopped it.
    const stop = await s.admin<{ jobId: string }>('POST', `/v1/servers/${id}/stop`);
    await finished(s, stop.body.jobId);
    expect((await edge('POST', '/v1/edge/wake', join)).body).toEqual({
      outcome: 'refused',
      reason: "'nightly' is stopped, not asleep: a join wakes only a sleeping server.",
    });
  });

  it('with QUOTA_COUNTS=awake, a sleeping server’s memory is free for others, and a wake that does not fit says so', async () => {
    const s = await sleepyStack({
      IDLE_SLEEP_AFTER: 'off',
      IDLE_MIN_AWAKE: '1s',
      QUOTA_COUNTS: 'awake',
      QUOTA_GUILD_MEMORY: '8192',
    });
    const sleeper = await runningServer(s, 'sleeper', 'minecraft-java');
    expect((await s.admin('PUT', `/v1/servers/${sleeper.id}/idle-sleep`, { after: '1s' })).status).toBe(200);
    await until('asleep', async () =>
      (await s.admin<Server>('GET', `/v1/servers/${sleeper.id}`)).body.state === 'sleeping'
        ? true
        : undefined,
    );
    // Two more servers of 4096 MiB fit the guild's 8192 MiB: the sleeper's memory is not counted.
    await runningServer(s, 'day-one', 'minecraft-java');
    await runningServer(s, 'day-two', 'minecraft-java');
    const quota = await s.admin<{ usage: { servers: number; memoryMiB: number } }>(
      'GET',
      `/v1/quotas/guild/${GUILD}`,
    );
    expect(quota.body.usage).toEqual({ servers: 3, cores: 4, memoryMiB: 8192 });
    // The admin sees the node's memory: 8192 MiB held by the two awake, 4096 given back by the sleeper.
    expect((await s.admin('GET', '/v1/capacity')).body).toEqual({
      nodes: [
        {
          node: 'pve',
          awake: { servers: 2, cores: 4, memoryMiB: 8192 },
          asleep: { servers: 1, cores: 2, memoryMiB: 4096 },
          stopped: { servers: 0, cores: 0, memoryMiB: 0 },
          busy: { servers: 0, cores: 0, memoryMiB: 0 },
        },
      ],
    });
    const wake = await s.admin('POST', `/v1/servers/${sleeper.id}/wake`);
    expect(wake.status).toBe(403);
    expect(wake.body).toMatchObject({
      error: {
        code: 'quota_exceeded',
        message:
          "That would use 12288 MiB of the guild's 8192 MiB of awake memory; put another server to sleep or stop one first.",
      },
    });
    expect((await s.admin<Server>('GET', `/v1/servers/${sleeper.id}`)).body.state).toBe('sleeping');
  });

  it('deletes a sleeping server cleanly: resumed, shut down, backed up, destroyed', async () => {
    const s = await sleepyStack({ IDLE_SLEEP_AFTER: '1s', IDLE_MIN_AWAKE: '1s' });
    // The simulated game runner reports no players, so the idle clock runs from the first check.
    const { id, vmid } = await runningServer(s, 'drowsy', 'minecraft-java');
    await until('asleep', async () =>
      (await s.admin<Server>('GET', `/v1/servers/${id}`)).body.state === 'sleeping' ? true : undefined,
    );
    const [sleep] = await jobsOf(s, id, 'sleep');
    // Minecraft saves over RCON before it sleeps (simulated here: no game behind the simulator).
    expect(sleep!.steps[1]!.detail).toContain('save-all flush');
    const removed = await s.admin<{ jobId: string }>('DELETE', `/v1/servers/${id}`);
    expect(removed.status).toBe(202);
    const job = await finished(s, removed.body.jobId);
    expect(job.state).toBe('succeeded');
    expect(job.steps.find((step) => step.name === 'shutdown_vm')!.detail).toBe('Shut down.');
    expect(job.steps.find((step) => step.name === 'backup_vm')!.state).toBe('succeeded');
    await expect(s.api.services.proxmox.qemu.status({ node: 'pve', vmid: vmid! })).rejects.toThrow();
  });

  it('takes the guild’s idle sleep and the owner’s within it, and refuses beyond it in a sentence', async () => {
    const s = await sleepyStack({ IDLE_SLEEP_AFTER: '30m' });
    const { id } = await runningServer(s, 'settled', 'minecraft-java');
    const bot = s.api.token(['bot']);
    const owner = client(s.api.url, bot, { user: ALICE });
    const member = client(s.api.url, bot, { user: BOB });
    const guildAdmin = client(s.api.url, bot, { user: BOB, adminOf: GUILD });
    const settings = (body: object) =>
      guildAdmin<GuildSettings>('PATCH', `/v1/guilds/${GUILD}/settings`, body);
    const own = (who: typeof owner, after: string | null) =>
      who<Server>('PUT', `/v1/servers/${id}/idle-sleep`, { after });

    // Until set: IDLE_SLEEP_AFTER, and owners may only make their server sleep sooner.
    expect((await own(owner, '10m')).body.sleep).toEqual({
      afterMs: 600_000,
      setBy: 'server',
      capped: false,
      wakeSeconds: null,
    });
    const longer = await own(owner, '1h');
    expect(longer.status).toBe(400);
    expect(longer.body).toMatchObject({
      error: {
        code: 'invalid_request',
        message:
          'This guild lets a server stay awake at most 30m without players; choose that or less (an admin can raise it with /server settings idle-sleep-max).',
      },
    });
    expect((await own(member, '5m')).status).toBe(403);
    const nonsense = await own(owner, 'soon');
    expect(nonsense.status).toBe(400);
    expect(JSON.stringify(nonsense.body)).toContain(
      'must be off or a length of time with its unit, such as 30m or 2h',
    );

    // The guild's admins: their own period and the longest owners may choose, which must agree.
    const crossed = await settings({ idleSleep: '2h', idleSleepMax: '1h' });
    expect(crossed.status).toBe(400);
    expect(crossed.body).toMatchObject({
      error: {
        code: 'invalid_request',
        message:
          'idle-sleep (2h) is longer than idle-sleep-max (1h), the longest owners may choose; raise idle-sleep-max or shorten idle-sleep.',
      },
    });
    const set = await settings({ idleSleep: '45m', idleSleepMax: 'off' });
    expect(set.body).toMatchObject({ idleSleep: '45m', idleSleepSetBy: 'guild', idleSleepMax: 'off' });
    expect((await member('PATCH', `/v1/guilds/${GUILD}/settings`, { idleSleep: 'off' })).status).toBe(403);

    // Now any, including off; back to the guild's with null.
    expect((await own(owner, 'off')).body.sleep).toEqual({
      afterMs: null,
      setBy: 'server',
      capped: false,
      wakeSeconds: null,
    });
    expect((await own(owner, null)).body.sleep).toEqual({
      afterMs: 2_700_000,
      setBy: 'guild',
      capped: false,
      wakeSeconds: null,
    });
    await own(owner, '3h');
    // The admins lower the longest later: the owner's 3h is capped to it, and says so.
    await settings({ idleSleepMax: '1h' });
    expect((await s.admin<Server>('GET', `/v1/servers/${id}`)).body.sleep).toEqual({
      afterMs: 3_600_000,
      setBy: 'server',
      capped: true,
      wakeSeconds: null,
    });
    // `default` forgets the guild's own: IDLE_SLEEP_AFTER again (and the longest follows it).
    expect((await settings({ idleSleep: 'default', idleSleepMax: 'default' })).body).toMatchObject({
      idleSleep: '30m',
      idleSleepSetBy: 'default',
      idleSleepMax: '30m',
    });
  });
});
