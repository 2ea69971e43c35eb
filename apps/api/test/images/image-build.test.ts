// Building game images as an admin does (POST /v1/images, what `gs image build` calls) against the simulator: the
// build's steps end in a template marked with today's recipe that creates of the game then clone; the events say
// what happened; a build that fails leaves no VM and gives its VM id back; one build of a game at a time.
import type {
  GuildEvent,
  ImageBuild,
  ImageBuildsQueued,
  ImageList,
  Job,
  Server,
} from '@guildserver/contracts';
import { decodeTags } from '@guildserver/proxmox';
import { describe, expect, it } from 'vitest';
import type { GameProbe } from '../../src/pipeline/game/game-probe.js';
import { createSimulatedGameRunner, type GameRunner } from '../../src/pipeline/game/game-runner.js';
import { startWorker } from '../../src/worker/start-worker.js';
import { createBody } from '../support/api-harness.js';
import { IMAGE_NODE } from '../support/game-images.js';
import { FAST_STEPS, finished, until, useWorkerStacks, type WorkerStack } from '../support/worker-stack.js';

const start = useWorkerStacks();

const build = (s: WorkerStack, body: unknown) => s.admin<ImageBuildsQueued>('POST', '/v1/images', body);

function builtOrFailed(s: WorkerStack, id: string): Promise<ImageBuild> {
  return until(`image build ${id}`, async () => {
    const { body } = await s.admin<ImageBuild>('GET', `/v1/images/builds/${id}`);
    return body.state === 'succeeded' || body.state === 'failed' ? body : undefined;
  });
}

const imageEvents = async (s: WorkerStack, buildId: string) =>
  (await s.admin<{ events: GuildEvent[] }>('GET', '/v1/events?limit=1000')).body.events.filter(
    (e) => e.type.startsWith('image.') && (e.data as { buildId?: string }).buildId === buildId,
  );

describe('game image builds', () => {
  it('builds an image of the recipe of the day, which creates of the game then clone', async () => {
    const s = await start();
    const asked = await build(s, { game: 'openttd' });
    expect(asked.status).toBe(202);
    expect(asked.body.skipped).toEqual([]);
    const [queued] = asked.body.builds;
    const recipe = (await s.admin<ImageList>('GET', '/v1/images')).body.recipes.find(
      (r) => r.game === 'openttd',
    )!;
    expect(queued).toMatchObject({ game: 'openttd', reason: 'asked', recipe: recipe.recipe });

    const done = await builtOrFailed(s, queued!.id);
    expect(done.error).toBeNull();
    expect(done.steps.map((step) => [step.name, step.state])).toEqual([
      ['clone', 'succeeded'],
      ['configure', 'succeeded'],
      ['start_vm', 'succeeded'],
      ['wait_network', 'succeeded'],
      ['install_game', 'succeeded'],
      ['check_game', 'succeeded'],
      ['seal', 'succeeded'],
      ['shutdown_vm', 'succeeded'],
      ['make_template', 'succeeded'],
    ]);
    // A stopped template of its own disk (a full copy), marked as the game's image of that recipe.
    const proxmox = s.api.services.proxmox;
    const config = await proxmox.qemu.getConfig({ node: IMAGE_NODE, vmid: queued!.vmid });
    expect(Number(config.template)).toBe(1);
    expect(String(config.scsi0)).toMatch(new RegExp(`^local-lvm:base-${queued!.vmid}-disk-0,`));
    expect(decodeTags(config.tags).sort()).toEqual(['game-openttd', 'gs-image', 'guildserver']);
    expect(String(config.description)).toContain(recipe.descriptionLine);
    expect(String(config.description)).not.toContain('guildserver-image-build:');
    expect((await s.admin<ImageList>('GET', '/v1/images')).body).toMatchObject({
      images: [{ vmid: queued!.vmid, game: 'openttd', current: true }],
      builds: [{ id: queued!.id, state: 'succeeded' }],
    });

    // Admins follow it in the events, one sentence each.
    const events = await imageEvents(s, queued!.id);
    expect(events[0]).toMatchObject({ type: 'image.build_queued', guildId: null, serverId: null });
    expect(events.at(-1)).toMatchObject({
      type: 'image.build_succeeded',
      message: expect.stringMatching(
        new RegExp(
          `^Image of openttd built: template VM ${queued!.vmid}, recipe ${recipe.recipe} \\(\\d+ s\\)\\.$`,
        ),
      ),
    });
    expect(events.map((e) => e.message)).toContain('Image of openttd: Installing the game (--tags install)…');

    const created = await s.admin<{ server: Server; jobId: string }>(
      'POST',
      '/v1/servers',
      createBody('from-built-image', { game: 'openttd' }),
    );
    const job: Job = await finished(s, created.body.jobId);
    expect(job).toMatchObject({ state: 'succeeded', route: 'image' });
    expect(job.steps.find((step) => step.name === 'clone')!.detail).toContain(
      `the OpenTTD game image ${queued!.vmid}`,
    );
    // Its packages are the image's: cloud-init skips the first-boot upgrade (ciupgrade=0) a full install keeps.
    const vmOf = async (serverId: string) =>
      (await s.admin<Server>('GET', `/v1/servers/${serverId}`)).body.vmid!;
    const fromImage = await proxmox.qemu.getConfig({
      node: IMAGE_NODE,
      vmid: await vmOf(created.body.server.id),
    });
    expect(Number(fromImage.ciupgrade)).toBe(0);
    const installed = await s.admin<{ server: Server; jobId: string }>(
      'POST',
      '/v1/servers',
      createBody('installed-in-full', { game: 'luanti' }),
    );
    expect(await finished(s, installed.body.jobId)).toMatchObject({ state: 'succeeded', route: 'install' });
    const full = await proxmox.qemu.getConfig({
      node: IMAGE_NODE,
      vmid: await vmOf(installed.body.server.id),
    });
    expect(full.ciupgrade).toBeUndefined();
  });

  it('on PVE 7.4, which has no ciupgrade, a create from the image keeps its first-boot upgrade and works', async () => {
    const s = await start({}, { pveVersion: '7.4' });
    const [queued] = (await build(s, { game: 'openttd' })).body.builds;
    expect((await builtOrFailed(s, queued!.id)).error).toBeNull();
    const created = await s.admin<{ server: Server; jobId: string }>(
      'POST',
      '/v1/servers',
      createBody('on-seven', { game: 'openttd' }),
    );
    expect(await finished(s, created.body.jobId)).toMatchObject({ state: 'succeeded', route: 'image' });
    const server = (await s.admin<Server>('GET', `/v1/servers/${created.body.server.id}`)).body;
    const config = await s.api.services.proxmox.qemu.getConfig({ node: IMAGE_NODE, vmid: server.vmid! });
    expect(config.ciupgrade).toBeUndefined();
  });

  it('a build that fails leaves no VM, gives its VM id back and says why', async () => {
    const s = await start();
    s.api.sim.faults.taskError({ type: 'qmstart', message: 'start failed: no bootable disk', count: 20 });
    const [queued] = (await build(s, { game: 'luanti' })).body.builds;
    const failed = await builtOrFailed(s, queued!.id);
    expect(failed).toMatchObject({
      state: 'failed',
      error: { code: 'start_failed', step: 'start_vm', message: expect.stringContaining('no bootable disk') },
    });
    expect(s.api.sim.state.vms.find((vm) => vm.vmid === queued!.vmid)).toBeUndefined();
    expect((await s.admin<ImageList>('GET', '/v1/images')).body.images).toEqual([]);
    const events = await imageEvents(s, queued!.id);
    expect(events.map((e) => e.message)).toContain(
      `Image of luanti: Cleaning up: VM ${queued!.vmid} was destroyed.`,
    );
    expect(events.at(-1)).toMatchObject({ type: 'image.build_failed', data: { code: 'start_failed' } });
    // The VM id is free again: the next build may take it.
    const [again] = (await build(s, { game: 'luanti' })).body.builds;
    expect(again!.vmid).toBe(queued!.vmid);
  });

  it('an image whose game no longer starts is never made: the build fails before sealing, says why and leaves nothing', async () => {
    const s = await start();
    await s.worker.close();
    const silent: GameProbe = {
      kind: 'silent',
      query: async () => ({ up: false, reason: 'Connection refused on 30000/udp.' }),
    };
    s.worker = await startWorker(s.api.services, {
      runner: { ...FAST_STEPS, gameReadyTimeoutMs: 300 },
      gameProbe: silent,
      sweepIntervalMs: 200,
    });
    const [queued] = (await build(s, { game: 'luanti' })).body.builds;
    const failed = await builtOrFailed(s, queued!.id);
    expect(failed).toMatchObject({
      state: 'failed',
      error: {
        code: 'game_unresponsive',
        step: 'check_game',
        message:
          'Luanti (Minetest) did not answer on port 30000/udp within 300 ms. Last try: Connection refused on 30000/udp.',
      },
    });
    expect(failed.steps.find((step) => step.name === 'seal')!.state).toBe('pending');
    expect(s.api.sim.state.vms.find((vm) => vm.vmid === queued!.vmid)).toBeUndefined();
    expect((await s.admin<ImageList>('GET', '/v1/images')).body.images).toEqual([]);
    // Creates of Luanti go on installing it in full, as before the build (on a worker whose probe hears games).
    await s.worker.close();
    s.worker = await startWorker(s.api.services, { runner: FAST_STEPS, sweepIntervalMs: 200 });
    const created = await s.admin<{ server: Server; jobId: string }>(
      'POST',
      '/v1/servers',
      createBody('still-installs', { game: 'luanti' }),
    );
    expect(await finished(s, created.body.jobId)).toMatchObject({ state: 'succeeded', route: 'install' });
  });

  it('a build whose worker stops mid-install resumes where it was on the next worker', async () => {
    const s = await start();
    await s.worker.close();
    let entered: () => void = () => {};
    const inInstall = new Promise<void>((resolve) => {
      entered = resolve;
    });
    // The install runs until the worker stops (as a long Ansible run would).
    const stalling: GameRunner = {
      ...createSimulatedGameRunner(),
      install: ({ signal }) =>
        new Promise((_, reject) => {
          entered();
          signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
        }),
    };
    s.worker = await startWorker(s.api.services, { runner: FAST_STEPS, gameRunner: stalling });
    const [queued] = (await build(s, { game: 'openttd' })).body.builds;
    await inInstall;
    await s.worker.close();
    const stopped = (await s.admin<ImageBuild>('GET', `/v1/images/builds/${queued!.id}`)).body;
    expect(stopped.state).toBe('running');
    expect(stopped.steps.filter((step) => step.state === 'succeeded').map((step) => step.name)).toEqual([
      'clone',
      'configure',
      'start_vm',
      'wait_network',
    ]);

    s.worker = await startWorker(s.api.services, { runner: FAST_STEPS, sweepIntervalMs: 200 });
    expect((await builtOrFailed(s, queued!.id)).state).toBe('succeeded');
    // Nothing done twice: one clone, one start.
    const started = (await imageEvents(s, queued!.id))
      .filter((e) => e.type === 'image.build_step' && e.data.state === 'started')
      .map((e) => (e.data as { step: string }).step);
    expect(started.filter((step) => step === 'clone')).toHaveLength(1);
    expect(started.filter((step) => step === 'install_game')).toHaveLength(2);
    expect(s.api.sim.state.tasks.filter((t) => t.type === 'qmclone')).toHaveLength(1);
  });

  it('one build of a game at a time; bad requests are refused with the reason', async () => {
    const s = await start({ GAME_LICENSES_ACCEPTED: 'steam' });
    await s.worker.close();
    const first = await build(s, { game: 'openttd' });
    expect(first.status).toBe(202);
    const second = await build(s, { game: 'openttd' });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({
      error: { code: 'invalid_state', message: expect.stringContaining('already under way') },
    });
    const all = await build(s, { all: true });
    expect(all.status).toBe(202);
    expect(all.body.skipped).toContainEqual({
      game: 'openttd',
      reason: expect.stringContaining('already under way'),
    });
    // Games whose licence the admin has not accepted are skipped with what to do.
    expect(all.body.skipped).toContainEqual({
      game: 'minecraft-java',
      reason: expect.stringContaining('GAME_LICENSES_ACCEPTED'),
    });
    expect(new Set(all.body.builds.map((b) => b.vmid)).size).toBe(all.body.builds.length);

    const refused = await build(s, { game: 'minecraft-java' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'game_unavailable' } });
    const unknown = await build(s, { game: 'tetris' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { code: 'game_unknown' } });
    const neither = await build(s, {});
    expect(neither.status).toBe(400);
    expect(neither.body).toMatchObject({ error: { code: 'invalid_request' } });
  });
});
