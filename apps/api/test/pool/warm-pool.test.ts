// The warm pool as an admin and gamers reach it, against the simulator: WARM_POOL fills from the game's image
// (built with POST /v1/images, what `gs image build` calls), GET /v1/pool (`gs pool status`), /readyz and the
// metrics show it, a create takes a pool VM by the `pool` route and the pool fills again; booted pool VMs only
// go to creates of their size; a rebuilt image drains and refills the pool; 100 creates at once never get the
// same VM.
import type { ImageBuild, ImageBuildsQueued, Job, PoolStatus, Server } from '@guildserver/contracts';
import { decodeTags } from '@guildserver/proxmox';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../../src/worker/start-worker.js';
import { createBody } from '../support/api-harness.js';
import { IMAGE_NODE } from '../support/game-images.js';
import { FAST_STEPS, finished, until, useWorkerStacks, type WorkerStack } from '../support/worker-stack.js';

const start = useWorkerStacks();

const pool = async (s: WorkerStack) => {
  const answer = await s.admin<PoolStatus>('GET', '/v1/pool');
  expect(answer.status).toBe(200);
  return answer.body;
};

async function buildImage(s: WorkerStack): Promise<ImageBuild> {
  const asked = await s.admin<ImageBuildsQueued>('POST', '/v1/images', { game: 'openttd' });
  expect(asked.status).toBe(202);
  const id = asked.body.builds[0]!.id;
  const done = await until(`image build ${id}`, async () => {
    const { body } = await s.admin<ImageBuild>('GET', `/v1/images/builds/${id}`);
    return body.state === 'succeeded' || body.state === 'failed' ? body : undefined;
  });
  expect(done.state).toBe('succeeded');
  return done;
}

/** Waits until the pool of openttd has `ready` VMs ready and none being made. */
const poolReady = (s: WorkerStack, ready: number) =>
  until(`${ready} pool VMs ready`, async () => {
    const status = await pool(s);
    const game = status.games.find((g) => g.game === 'openttd');
    return game?.ready === ready && game.making === 0 ? status : undefined;
  });

async function create(s: WorkerStack, name: string, extra: Record<string, unknown> = {}) {
  const created = await s.admin<{ server: Server; jobId: string }>(
    'POST',
    '/v1/servers',
    createBody(name, { game: 'openttd', ...extra }),
  );
  expect(created.status).toBe(202);
  return created.body;
}

async function createdAndRunning(s: WorkerStack, name: string, extra: Record<string, unknown> = {}) {
  const created = await create(s, name, extra);
  const job = await finished(s, created.jobId);
  expect(job.error).toBeNull();
  const server = (await s.admin<Server>('GET', `/v1/servers/${created.server.id}`)).body;
  return { server, job };
}

const step = (job: Job, name: string) => job.steps.find((x) => x.name === name)!;

describe('the warm pool', () => {
  it('fills from the game image, is taken by a create (route pool) and fills again', async () => {
    const s = await start({ WARM_POOL: 'openttd:2', WARM_POOL_MODE: 'stopped' });
    const proxmox = s.api.services.proxmox;
    const empty = await pool(s);
    expect(empty).toEqual({
      mode: 'stopped',
      games: [
        {
          game: 'openttd',
          wanted: 2,
          ready: 0,
          making: 0,
          image: null,
          note: 'OpenTTD has no current image: the pool fills once one is built (gs image build openttd).',
        },
      ],
      vms: [],
    });

    const image = await buildImage(s);
    const filled = await poolReady(s, 2);
    expect(filled.games[0]).toMatchObject({ image: { vmid: image.vmid, recipe: image.recipe }, note: null });
    expect(filled.vms).toHaveLength(2);
    for (const vm of filled.vms) {
      expect(vm).toMatchObject({ game: 'openttd', state: 'ready', mode: 'stopped', imageVmid: image.vmid });
      const config = await proxmox.qemu.getConfig({ node: IMAGE_NODE, vmid: vm.vmid });
      expect(decodeTags(config.tags).sort()).toEqual(['game-openttd', 'gs-pool', 'guildserver']);
      // A linked clone of the image, waiting stopped (and not started with the host).
      expect(String(config.scsi0)).toContain(`base-${image.vmid}-disk-0/`);
      expect(Number(config.onboot ?? 0)).toBe(0);
      // The image's packages are current: no first-boot upgrade when it starts.
      expect(Number(config.ciupgrade)).toBe(0);
      expect((await proxmox.qemu.status({ node: IMAGE_NODE, vmid: vm.vmid })).status).toBe('stopped');
    }
    const readyz = (await (await fetch(`${s.api.url}/readyz`)).json()) as { pool: unknown };
    expect(readyz.pool).toEqual({
      mode: 'stopped',
      games: [{ game: 'openttd', wanted: 2, ready: 2, making: 0 }],
    });
    const metrics = await (
      await fetch(`${s.api.url}/metrics`, { headers: { authorization: `Bearer ${s.api.token(['read'])}` } })
    ).text();
    expect(metrics).toContain('guildserver_pool_vms{game="openttd",state="ready"} 2');
    expect(metrics).toContain('guildserver_pool_vms{game="openttd",state="wanted"} 2');

    const { server, job } = await createdAndRunning(s, 'pooled');
    const taken = filled.vms.find((vm) => vm.vmid === server.vmid);
    expect(taken, 'the server runs on one of the pool VMs').toBeDefined();
    expect(job.route).toBe('pool');
    expect(job.steps.map((x) => x.name)).toEqual([
      'adopt_vm',
      'configure',
      'resize_disk',
      'start_vm',
      'wait_network',
      'setup_game',
      'wait_game',
      'publish_ports',
    ]);
    const name = `gs-${server.id.replace(/^srv_/, '').toLowerCase()}`;
    expect(step(job, 'adopt_vm')).toMatchObject({
      title: 'Taking a ready VM from the warm pool',
      detail: `Took VM ${server.vmid} from the warm pool (stopped and waiting) and made it ${name}.`,
    });
    expect(step(job, 'setup_game').detail).toBe(
      'Simulated configure of OpenTTD, installed in its game image (no real VM behind the simulator).',
    );
    const config = await proxmox.qemu.getConfig({ node: IMAGE_NODE, vmid: server.vmid! });
    expect(config.name).toBe(name);
    expect(decodeTags(config.tags).sort()).toEqual([`gs-${server.id.toLowerCase()}`, 'guildserver']);
    expect(String(config.description)).not.toContain('guildserver-pool:');
    expect(Number(config.onboot)).toBe(1);

    // The pool fills again behind the create, with a VM of its own, made once that create was over (a refill
    // never competes with the create a gamer waits on).
    const refilled = await poolReady(s, 2);
    expect(refilled.vms.map((vm) => vm.vmid)).not.toContain(server.vmid);
    const made = refilled.vms.filter((vm) => !filled.vms.some((f) => f.vmid === vm.vmid));
    expect(made).toHaveLength(1);
    expect(Date.parse(made[0]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(job.finishedAt!));
    // The next create by this route is expected to take about as long as this one did.
    const second = await createdAndRunning(s, 'pooled-too');
    expect(second.job.route).toBe('pool');
    expect(second.job.expectedSeconds).toBeGreaterThanOrEqual(1);
  });

  it('booted pool VMs run with an address; only a create of their size takes one', async () => {
    const s = await start({ WARM_POOL: 'openttd:1', WARM_POOL_MODE: 'booted' });
    const proxmox = s.api.services.proxmox;
    await buildImage(s);
    const [vm] = (await poolReady(s, 1)).vms;
    expect(vm).toMatchObject({ mode: 'booted', state: 'ready' });
    expect((await proxmox.qemu.status({ node: IMAGE_NODE, vmid: vm!.vmid })).status).toBe('running');

    // More memory than the pool VM has would need a restart: this create clones the image instead.
    const bigger = await createdAndRunning(s, 'bigger', { size: { memory: vm!.memoryMiB + 1024 } });
    expect(bigger.job.route).toBe('image');
    expect(bigger.server.vmid).not.toBe(vm!.vmid);

    const pooled = await createdAndRunning(s, 'pooled');
    expect(pooled.job.route).toBe('pool');
    expect(pooled.server.vmid).toBe(vm!.vmid);
    expect(step(pooled.job, 'start_vm').detail).toBe(`VM ${vm!.vmid} was already running.`);
    expect(step(pooled.job, 'adopt_vm').detail).toContain('(booted and waiting)');
    // Renamed and re-tagged while it ran: Proxmox applies both at once.
    const config = await proxmox.qemu.getConfig({ node: IMAGE_NODE, vmid: vm!.vmid });
    expect(config.name).toBe(`gs-${pooled.server.id.replace(/^srv_/, '').toLowerCase()}`);
    expect(decodeTags(config.tags).sort()).toEqual([`gs-${pooled.server.id.toLowerCase()}`, 'guildserver']);
  });

  it('a node without the memory for a booted pool VM gets none, and gs pool status says why and what to change', async () => {
    const s = await start({ WARM_POOL: 'openttd:1', WARM_POOL_MODE: 'booted' });
    // A small node: 3 GiB, of which the simulator reports a fifth in use.
    s.api.sim.state.nodes.find((n) => n.name === IMAGE_NODE)!.maxmem = 3 * 1024 ** 3;
    await buildImage(s);
    const status = await until('the note', async () => {
      const now = await pool(s);
      return now.games[0]?.note ? now : undefined;
    });
    expect(status.games[0]!.note).toMatch(
      /^Node pve has 2\.4 GiB of memory free; a booted spare VM of \d+ MiB needs it with 2\.0 GiB to spare: lower WARM_POOL, or set WARM_POOL_MODE=stopped\.$/,
    );
    // The upkeep the image asked for has run by now, and made nothing.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await pool(s)).vms).toEqual([]);
    // Memory again (a bigger node): the next upkeep makes it.
    s.api.sim.state.nodes.find((n) => n.name === IMAGE_NODE)!.maxmem = 128 * 1024 ** 3;
    await s.worker.close();
    s.worker = await startWorker(s.api.services, { runner: FAST_STEPS, sweepIntervalMs: 200 });
    expect((await poolReady(s, 1)).games[0]!.note).toBeNull();
  });

  it('a pool VM removed behind its back: the create that took it fails in one sentence, its retry clones the image, and the pool is made again', async () => {
    const s = await start({ WARM_POOL: 'openttd:1' });
    const proxmox = s.api.services.proxmox;
    await buildImage(s);
    const [gone] = (await poolReady(s, 1)).vms;
    await proxmox.waitForTask(await proxmox.qemu.delete({ node: IMAGE_NODE, vmid: gone!.vmid }));

    const created = await create(s, 'unlucky');
    const failed = await finished(s, created.jobId);
    expect(failed).toMatchObject({ route: 'pool', state: 'failed' });
    expect(failed.error).toEqual({
      code: 'vm_missing',
      step: 'adopt_vm',
      message: `The pool VM ${gone!.vmid} is gone from Proxmox; retry the create to clone the game's image instead.`,
    });
    const retried = await s.admin<{ jobId: string }>('POST', `/v1/servers/${created.server.id}/retry`);
    expect(retried.status).toBe(202);
    const retry = await finished(s, retried.body.jobId);
    expect(retry).toMatchObject({ route: 'image', state: 'succeeded' });

    // The pool's next upkeep (a worker starting does one) drops the claimed row and makes a VM again.
    await s.worker.close();
    s.worker = await startWorker(s.api.services, { runner: FAST_STEPS, sweepIntervalMs: 200 });
    const again = await poolReady(s, 1);
    expect(again.vms.map((vm) => vm.id)).not.toContain(gone!.id);
    expect(again.vms.map((vm) => vm.state)).toEqual(['ready']);

    // One removed while nobody asks for it is noticed by the upkeep before a create can take it.
    const [next] = again.vms;
    await proxmox.waitForTask(await proxmox.qemu.delete({ node: IMAGE_NODE, vmid: next!.vmid }));
    await s.worker.close();
    s.worker = await startWorker(s.api.services, { runner: FAST_STEPS, sweepIntervalMs: 200 });
    const made = await until('a pool VM made again', async () => {
      const status = await pool(s);
      return status.vms.length === 1 && status.vms[0]!.id !== next!.id && status.vms[0]!.state === 'ready'
        ? status
        : undefined;
    });
    expect((await proxmox.qemu.status({ node: IMAGE_NODE, vmid: made.vms[0]!.vmid })).status).toBe('stopped');
  });

  it('a delete racing the create that took a pool VM is refused in one sentence; once created, the delete leaves nothing and the pool is whole', async () => {
    const s = await start({ WARM_POOL: 'openttd:1' });
    const proxmox = s.api.services.proxmox;
    await buildImage(s);
    const [taken] = (await poolReady(s, 1)).vms;
    // No worker while the gamer creates and at once deletes: the create is still waiting.
    await s.worker.close();
    const created = await create(s, 'changed-mind');
    expect(created.server.vmid).toBe(taken!.vmid);
    const refused = await s.admin<{ error: { code: string; message: string } }>(
      'DELETE',
      `/v1/servers/${created.server.id}?finalBackup=false`,
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({
      code: 'invalid_state',
      message: "The server 'changed-mind' is creating; it cannot be deleted now.",
    });
    s.worker = await startWorker(s.api.services, { runner: FAST_STEPS, sweepIntervalMs: 200 });
    expect((await finished(s, created.jobId)).route).toBe('pool');
    const deleted = await s.admin<{ jobId: string }>(
      'DELETE',
      `/v1/servers/${created.server.id}?finalBackup=false`,
    );
    expect((await finished(s, deleted.body.jobId)).state).toBe('succeeded');
    await expect(proxmox.qemu.getConfig({ node: IMAGE_NODE, vmid: taken!.vmid })).rejects.toThrow();
    const whole = await poolReady(s, 1);
    expect(whole.vms.map((vm) => vm.id)).not.toContain(taken!.id);
  });

  it('a rebuilt image drains the pool made from the old one and fills it again from the new one', async () => {
    const s = await start({ WARM_POOL: 'openttd:1' });
    const proxmox = s.api.services.proxmox;
    const first = await buildImage(s);
    const [old] = (await poolReady(s, 1)).vms;
    expect(old!.imageVmid).toBe(first.vmid);
    const second = await buildImage(s);
    const refilled = await until('the pool made from the new image', async () => {
      const status = await pool(s);
      const vms = status.vms.filter((vm) => vm.state === 'ready');
      return vms.length === 1 && vms[0]!.imageVmid === second.vmid ? status : undefined;
    });
    expect(refilled.vms.map((vm) => vm.id)).not.toContain(old!.id);
    // The old pool VM is gone, and with it the last linked clone holding the old image: Proxmox lets it go.
    await proxmox.waitForTask(await proxmox.qemu.delete({ node: IMAGE_NODE, vmid: first.vmid }));
  });

  it('100 creates at once: each pool VM is taken by one create only, the others clone the image', async () => {
    const s = await start({
      WARM_POOL: 'openttd:5',
      QUOTA_GUILD_SERVERS: '500',
      QUOTA_USER_SERVERS: '500',
      QUOTA_GUILD_CORES: '10000',
      QUOTA_USER_CORES: '10000',
      QUOTA_GUILD_MEMORY: '10000000',
      QUOTA_USER_MEMORY: '10000000',
    });
    await buildImage(s);
    const poolVmids = (await poolReady(s, 5)).vms.map((vm) => vm.vmid).sort();
    // No worker while they race: nothing refills the pool meanwhile.
    await s.worker.close();
    const created = await Promise.all(Array.from({ length: 100 }, (_, i) => create(s, `race-${i}`)));
    const jobs = await Promise.all(
      created.map(async (c) => (await s.admin<Job>('GET', `/v1/jobs/${c.jobId}`)).body),
    );
    const byPool = created.filter((_, i) => jobs[i]!.route === 'pool');
    expect(byPool).toHaveLength(5);
    expect(jobs.filter((job) => job.route === 'image')).toHaveLength(95);
    expect(byPool.map((c) => c.server.vmid).sort()).toEqual(poolVmids);
    const vmids = created.map((c) => c.server.vmid);
    expect(new Set(vmids).size).toBe(100);
    const after = await pool(s);
    expect(after.games[0]).toMatchObject({ wanted: 5, ready: 0, making: 0 });
    expect(after.vms.map((vm) => vm.state)).toEqual(Array(5).fill('claimed'));
    expect(new Set(after.vms.map((vm) => vm.serverId))).toEqual(new Set(byPool.map((c) => c.server.id)));

    // A worker again: the five take their pool VMs over, and the pool fills up.
    s.worker = await startWorker(s.api.services, { runner: FAST_STEPS, sweepIntervalMs: 200 });
    for (const c of byPool) expect((await finished(s, c.jobId)).state).toBe('succeeded');
    const refilled = await poolReady(s, 5);
    expect(refilled.vms.every((vm) => !vmids.includes(vm.vmid))).toBe(true);
  });
});
