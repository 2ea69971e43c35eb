// Old game images against the simulator, which refuses, as PVE does, to destroy a template linked clones use:
// an image a current one replaced goes once no server is a linked clone of it, and not before.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { imageList, listGameImages } from '../../src/images/image-lookup.js';
import { imagesToRemove, removeOldImages } from '../../src/images/image-retirement.js';
import { type Harness, startApi } from '../support/api-harness.js';
import { IMAGE_NODE, makeImage, useAnsibleCopies } from '../support/game-images.js';

const ansibleCopy = useAnsibleCopies();
const stacks: Harness[] = [];
afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.close();
});

const image = (vmid: number, game: string, current: boolean) => ({
  vmid,
  node: IMAGE_NODE,
  name: null,
  game,
  recipe: current ? 'aaaaaaaaaaaaaaaa' : 'bbbbbbbbbbbbbbbb',
  current,
});

describe('old game images', () => {
  it('are those of a game that has a current one, except the newest current one', () => {
    expect(
      imagesToRemove([
        image(9100, 'openttd', false),
        image(9101, 'openttd', true),
        image(9102, 'openttd', true),
        // No current Luanti image: its stale one stays, nothing would replace it.
        image(9103, 'luanti', false),
      ]).map((i) => i.vmid),
    ).toEqual([9100, 9101]);
  });

  it('go once no server is a linked clone of them; Proxmox refusing until then is "not yet"', async () => {
    const api = await startApi();
    stacks.push(api);
    const ansibleDir = ansibleCopy();
    const deps = { ...api.services, ansibleDir, logger: pino({ level: 'silent' }) };
    const { proxmox } = deps;
    const openttd = async () => (await imageList(deps)).recipes.find((r) => r.game === 'openttd')!;

    await makeImage(proxmox, 9100, await openttd());
    // A server made from it, as a create makes one: a linked clone.
    await proxmox.waitForTask(await proxmox.qemu.clone({ node: IMAGE_NODE, vmid: 9100 }, { newid: 150 }));
    // The game's role changes: 9100 is stale, but nothing replaces it yet.
    appendFileSync(join(ansibleDir, 'roles/openttd/tasks/main.yml'), '\n# a new version\n');
    expect(await listGameImages(deps)).toMatchObject([{ vmid: 9100, current: false }]);
    expect(await removeOldImages(deps)).toEqual([]);

    await makeImage(proxmox, 9101, await openttd());
    expect(await removeOldImages(deps)).toMatchObject([
      {
        image: { vmid: 9100, game: 'openttd' },
        outcome: 'kept_for_linked_clones',
        reason: expect.stringMatching(/still in use by linked clone/),
      },
    ]);
    expect((await listGameImages(deps)).map((i) => [i.vmid, i.current])).toEqual([
      [9100, false],
      [9101, true],
    ]);

    await proxmox.waitForTask(await proxmox.qemu.delete({ node: IMAGE_NODE, vmid: 150 }, { purge: true }));
    expect(await removeOldImages(deps)).toMatchObject([{ image: { vmid: 9100 }, outcome: 'removed' }]);
    expect((await listGameImages(deps)).map((i) => [i.vmid, i.current])).toEqual([[9101, true]]);
    expect(await removeOldImages(deps)).toEqual([]);
  });
});
