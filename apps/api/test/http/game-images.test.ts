// Game images as an admin reaches them: an image built by hand at Proxmox (ansible/README.md's steps: a clone of
// the base template, the game installed, sealed, marked with the recipe GET /v1/images gives, made a template)
// is listed as current, and a create of its game clones it and only configures the game. The simulator keeps
// PVE's rule that a template with linked clones cannot be destroyed.
import type { ImageList, Job, Server } from '@guildserver/contracts';
import { decodeTags } from '@guildserver/proxmox';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../../src/worker/start-worker.js';
import { createBody } from '../support/api-harness.js';
import { BASE_TEMPLATE, IMAGE_NODE, makeImage } from '../support/game-images.js';
import { FAST_STEPS, finished, useWorkerStacks, type WorkerStack } from '../support/worker-stack.js';

const start = useWorkerStacks();
const NODE = IMAGE_NODE;
const BASE = BASE_TEMPLATE;

const images = async (s: WorkerStack) => {
  const answer = await s.admin<ImageList>('GET', '/v1/images');
  expect(answer.status).toBe(200);
  return answer.body;
};

async function create(s: WorkerStack, name: string): Promise<{ server: Server; job: Job }> {
  const created = await s.admin<{ server: Server; jobId: string }>(
    'POST',
    '/v1/servers',
    createBody(name, { game: 'openttd' }),
  );
  expect(created.status).toBe(202);
  const job = await finished(s, created.body.jobId);
  const server = (await s.admin<Server>('GET', `/v1/servers/${created.body.server.id}`)).body;
  return { server, job };
}

const step = (job: Job, name: string) => job.steps.find((s) => s.name === name)!;

describe('game images', () => {
  it('a create clones the current image of its game and only configures the game', async () => {
    const s = await start();
    const before = await images(s);
    expect(before.images).toEqual([]);
    const recipe = before.recipes.find((r) => r.game === 'openttd')!;
    expect(recipe.tags).toEqual(['guildserver', 'gs-image', 'game-openttd']);
    expect(recipe.descriptionLine).toBe(`guildserver-image game=openttd recipe=${recipe.recipe}`);
    expect(recipe.recipe).toMatch(/^[0-9a-f]{16}$/);
    // Each game's recipe is its own.
    expect(before.recipes.find((r) => r.game === 'luanti')!.recipe).not.toBe(recipe.recipe);

    const proxmox = s.api.services.proxmox;
    await makeImage(proxmox, 9100, recipe);
    expect((await images(s)).images).toEqual([
      {
        vmid: 9100,
        node: NODE,
        name: 'openttd-image',
        game: 'openttd',
        recipe: recipe.recipe,
        current: true,
      },
    ]);

    const { server, job } = await create(s, 'from-image');
    expect(job.state).toBe('succeeded');
    expect(server.state).toBe('running');
    // The first create by this route has nothing to go by; the next is expected to take as long as it did.
    expect(job).toMatchObject({ route: 'image', expectedSeconds: null });
    const took = (Date.parse(job.finishedAt!) - Date.parse(job.createdAt)) / 1000;
    const second = await create(s, 'from-image-too');
    expect(second.job).toMatchObject({ route: 'image', expectedSeconds: Math.max(1, Math.round(took)) });
    expect(step(job, 'clone')).toMatchObject({
      title: 'Cloning the game image',
      detail: `Cloned the OpenTTD game image 9100 into VM ${server.vmid} (gs-${server.id.replace(/^srv_/, '').toLowerCase()}).`,
    });
    expect(step(job, 'setup_game')).toMatchObject({
      title: 'Configuring the game (installed in the image)',
      detail:
        'Simulated configure of OpenTTD, installed in its game image (no real VM behind the simulator).',
    });
    // The server's VM is configured as the server's own: the image's tags are gone from it.
    const config = await proxmox.qemu.getConfig({ node: NODE, vmid: server.vmid! });
    expect(decodeTags(config.tags).sort()).toEqual([`gs-${server.id.toLowerCase()}`, 'guildserver']);
    // A linked clone: Proxmox keeps the image while the server exists.
    const removal = proxmox.waitForTask(await proxmox.qemu.delete({ node: NODE, vmid: 9100 }));
    await expect(removal).rejects.toMatchObject({ exitstatus: expect.stringMatching(/linked clone/) });
  });

  it('an image of another recipe is not current: the create installs the game in full', async () => {
    const s = await start();
    const recipe = (await images(s)).recipes.find((r) => r.game === 'openttd')!;
    await makeImage(s.api.services.proxmox, 9100, {
      tags: recipe.tags,
      descriptionLine: 'guildserver-image game=openttd recipe=0123456789abcdef',
    });
    expect((await images(s)).images).toMatchObject([{ vmid: 9100, game: 'openttd', current: false }]);

    const { job } = await create(s, 'full-install');
    expect(job.state).toBe('succeeded');
    expect(job).toMatchObject({ route: 'install', expectedSeconds: null });
    expect(step(job, 'clone')).toMatchObject({ title: 'Cloning the template' });
    expect(step(job, 'clone').detail).toContain(`Cloned template ${BASE} into VM`);
    expect(step(job, 'setup_game')).toMatchObject({
      title: 'Installing the game',
      detail: 'Simulated install of OpenTTD (no real VM behind the simulator).',
    });
  });

  it('an image gone before the clone: the base template is cloned, the game installed in full, and the job says why', async () => {
    const s = await start();
    const proxmox = s.api.services.proxmox;
    await makeImage(proxmox, 9100, (await images(s)).recipes.find((r) => r.game === 'openttd')!);
    // No worker while the create waits in the queue; meanwhile an admin removes the image.
    await s.worker.close();
    const created = await s.admin<{ server: Server; jobId: string }>(
      'POST',
      '/v1/servers',
      createBody('late', { game: 'openttd' }),
    );
    await proxmox.waitForTask(await proxmox.qemu.delete({ node: NODE, vmid: 9100 }));
    s.worker = await startWorker(s.api.services, { runner: FAST_STEPS, sweepIntervalMs: 200 });

    const job = await finished(s, created.body.jobId);
    expect(job.state).toBe('succeeded');
    expect(step(job, 'clone').detail).toContain(`Cloned template ${BASE} into VM`);
    expect(step(job, 'setup_game').detail).toBe(
      'Simulated install of OpenTTD (no real VM behind the simulator).',
    );
    const notes = await s.admin<{ events: { type: string; message: string }[] }>(
      'GET',
      `/v1/events?serverId=${created.body.server.id}`,
    );
    expect(notes.body.events.map((e) => e.message)).toContain(
      'The OpenTTD game image (VM 9100) is gone or was rebuilt since the create was asked for; cloning the base template 9000 and installing the game in full instead.',
    );
  });

  it('an image replaced before the clone: the newer current image is cloned instead', async () => {
    const s = await start();
    const proxmox = s.api.services.proxmox;
    const recipe = (await images(s)).recipes.find((r) => r.game === 'openttd')!;
    await makeImage(proxmox, 9100, recipe);
    await s.worker.close();
    const created = await s.admin<{ server: Server; jobId: string }>(
      'POST',
      '/v1/servers',
      createBody('replaced', { game: 'openttd' }),
    );
    // An admin rebuilds the image and removes the old one while the create waits.
    await makeImage(proxmox, 9101, recipe);
    await proxmox.waitForTask(await proxmox.qemu.delete({ node: NODE, vmid: 9100 }));
    s.worker = await startWorker(s.api.services, { runner: FAST_STEPS, sweepIntervalMs: 200 });

    const job = await finished(s, created.body.jobId);
    expect(job.state).toBe('succeeded');
    expect(step(job, 'clone').detail).toContain('Cloned the OpenTTD game image 9101 into VM');
    expect(step(job, 'setup_game').detail).toContain('Simulated configure of OpenTTD');
    const notes = await s.admin<{ events: { message: string }[] }>(
      'GET',
      `/v1/events?serverId=${created.body.server.id}`,
    );
    expect(notes.body.events.map((e) => e.message)).toContain(
      'The OpenTTD game image (VM 9100) is gone or was rebuilt since the create was asked for; cloning its current image, VM 9101, instead.',
    );
  });
});
