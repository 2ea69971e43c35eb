// The hourly image refresh (the `system:image-refresh` job scheduler runs refreshImages): a game with an image is
// built again when its recipe changed (here: the base template's config changed at Proxmox) or its image is
// IMAGE_REBUILD_DAYS old; a game nobody built an image of is left alone; a recipe whose build failed is not
// retried every hour.
import type { GameImage, ImageBuild, ImageBuildsQueued, ImageList } from '@guildserver/contracts';
import { describe, expect, it } from 'vitest';
import { createImageBuildService } from '../../src/images/image-build-service.js';
import { imagesDue, refreshImages } from '../../src/images/image-refresh.js';
import { BASE_TEMPLATE, IMAGE_NODE } from '../support/game-images.js';
import { until, useWorkerStacks, type WorkerStack } from '../support/worker-stack.js';

const start = useWorkerStacks();
const DAY = 24 * 3600 * 1000;
const image = (vmid: number, game: string, current: boolean): GameImage => ({
  vmid,
  node: 'pve',
  name: null,
  game,
  recipe: '0123456789abcdef',
  current,
});

describe('which images are due', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  it('a game without a current image is built again; one with a week-old image too; others are not', () => {
    const builtAt = (vmid: number) => ({ 101: now - 8 * DAY, 102: now - DAY })[vmid];
    expect(
      imagesDue(
        [image(100, 'openttd', false), image(101, 'luanti', true), image(102, 'openarena', true)],
        builtAt,
        7,
        now,
      ),
    ).toEqual([
      { game: 'openttd', reason: 'recipe_changed' },
      { game: 'luanti', reason: 'schedule' },
    ]);
    // 0: only when the recipe changes; an image built by hand (no build known) is never too old.
    expect(imagesDue([image(101, 'luanti', true)], builtAt, 0, now)).toEqual([]);
    expect(imagesDue([image(103, 'luanti', true)], builtAt, 7, now)).toEqual([]);
    expect(imagesDue([], builtAt, 7, now)).toEqual([]);
  });
});

async function built(s: WorkerStack, game: string): Promise<ImageBuild> {
  const queued = await s.admin<ImageBuildsQueued>('POST', '/v1/images', { game });
  expect(queued.status).toBe(202);
  return settled(s, queued.body.builds[0]!.id);
}

function settled(s: WorkerStack, id: string): Promise<ImageBuild> {
  return until(`image build ${id}`, async () => {
    const { body } = await s.admin<ImageBuild>('GET', `/v1/images/builds/${id}`);
    return body.state === 'succeeded' || body.state === 'failed' ? body : undefined;
  });
}

describe('the hourly image refresh', () => {
  it('builds again when the recipe changed or the image is old, and only games that have an image', async () => {
    const s = await start();
    const services = s.api.services;
    const refresh = (now = Date.now()) =>
      refreshImages({
        db: services.db,
        proxmox: services.proxmox,
        config: services.config,
        rebuildDays: 7,
        now: () => now,
        builds: createImageBuildService({
          db: services.db,
          config: services.config,
          proxmox: services.proxmox,
          logger: services.logger,
          enqueue: services.images.enqueue,
        }),
      });
    expect(await refresh()).toBe('Every game image is current.');
    const first = await built(s, 'openttd');
    expect(await refresh()).toBe('Every game image is current.');

    // A week later: built again, from the schedule.
    expect(await refresh(Date.now() + 8 * DAY)).toBe(
      'Game images: openttd building again (its image is old).',
    );
    const weekly = (await s.admin<ImageList>('GET', '/v1/images')).body.builds[0]!;
    expect(weekly).toMatchObject({
      game: 'openttd',
      reason: 'schedule',
      requestedBy: 'system:image-refresh',
    });
    expect((await settled(s, weekly.id)).state).toBe('succeeded');

    // The base template changed at Proxmox: today's recipe is another, the image no longer current.
    await services.proxmox.qemu.updateConfig(
      { node: IMAGE_NODE, vmid: BASE_TEMPLATE },
      { description: 'v2' },
    );
    const stale = (await s.admin<ImageList>('GET', '/v1/images')).body;
    expect(stale.images.filter((i) => i.current)).toEqual([]);
    expect(await refresh()).toBe('Game images: openttd building again (its recipe changed).');
    const rebuilt = (await s.admin<ImageList>('GET', '/v1/images')).body.builds[0]!;
    expect(rebuilt).toMatchObject({ reason: 'recipe_changed' });
    expect(rebuilt.recipe).not.toBe(first.recipe);
    expect((await settled(s, rebuilt.id)).state).toBe('succeeded');
    expect((await s.admin<ImageList>('GET', '/v1/images')).body.images).toContainEqual(
      expect.objectContaining({ vmid: rebuilt.vmid, current: true }),
    );
  });

  it('a recipe whose build failed is not tried again every hour', async () => {
    const s = await start();
    const services = s.api.services;
    await built(s, 'luanti');
    await services.proxmox.qemu.updateConfig(
      { node: IMAGE_NODE, vmid: BASE_TEMPLATE },
      { description: 'v2' },
    );
    s.api.sim.faults.taskError({ type: 'qmstart', message: 'start failed: no bootable disk', count: 20 });
    const builds = createImageBuildService({
      db: services.db,
      config: services.config,
      proxmox: services.proxmox,
      logger: services.logger,
      enqueue: services.images.enqueue,
    });
    const deps = {
      db: services.db,
      proxmox: services.proxmox,
      config: services.config,
      rebuildDays: 7,
      builds,
    };
    expect(await refreshImages(deps)).toBe('Game images: luanti building again (its recipe changed).');
    const failed = (await s.admin<ImageList>('GET', '/v1/images')).body.builds[0]!;
    expect((await settled(s, failed.id)).state).toBe('failed');
    expect(await refreshImages(deps)).toBe(
      "Game images: luanti not again (its last build of today's recipe failed: gs image build luanti to try).",
    );
  });
});
