// Old game images go once a current one of their game exists: each is destroyed as soon as no server is a
// linked clone of it. Proxmox refuses to destroy a template whose base disk linked clones still use; that
// refusal is the answer "not yet", and the image is tried again next round.

import type { GameImage } from '@guildserver/contracts';
import { isProxmoxError, TaskFailedError } from '@guildserver/proxmox';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { releaseImageVmid } from './image-build-store.js';
import { type ImageLookupDeps, listGameImages } from './image-lookup.js';

export interface ImageRemoval {
  image: GameImage;
  outcome: 'removed' | 'kept_for_linked_clones' | 'failed';
  reason?: string;
}

/**
 * The images to remove: every image of a game that has a current one, except the newest current one (the one
 * creates clone). A game without a current image keeps what it has: nothing would replace it.
 */
export function imagesToRemove(images: readonly GameImage[]): GameImage[] {
  const kept = new Map<string, number>();
  for (const image of images) {
    if (image.current) kept.set(image.game, Math.max(kept.get(image.game) ?? 0, image.vmid));
  }
  return images.filter((image) => kept.has(image.game) && kept.get(image.game) !== image.vmid);
}

/** PVE: "base volume 'local-lvm:base-9100-disk-0' is still in use by linked cloned" (sic). */
const LINKED_CLONE = /in use by linked clone/i;

export async function removeOldImages(
  deps: ImageLookupDeps & {
    logger: Logger;
    taskTimeoutMs?: number;
    /** Where the VM ids of images GuildServer built are held: released with the image. */
    db?: Db;
  },
): Promise<ImageRemoval[]> {
  const { proxmox, logger } = deps;
  const removals: ImageRemoval[] = [];
  for (const image of imagesToRemove(await listGameImages(deps))) {
    const vm = { node: image.node, vmid: image.vmid };
    try {
      await proxmox.waitForTask(await proxmox.qemu.delete(vm, { purge: true }), {
        timeoutMs: deps.taskTimeoutMs ?? 120_000,
      });
      if (deps.db) releaseImageVmid(deps.db, image.vmid);
      logger.info({ ...vm, game: image.game, recipe: image.recipe }, 'old game image removed');
      removals.push({ image, outcome: 'removed' });
    } catch (error) {
      const reason =
        error instanceof TaskFailedError
          ? error.exitstatus
          : error instanceof Error
            ? error.message
            : String(error);
      if (LINKED_CLONE.test(reason)) {
        logger.info({ ...vm, game: image.game }, 'old game image kept: servers are linked clones of it');
        removals.push({ image, outcome: 'kept_for_linked_clones', reason });
      } else {
        logger.warn(
          { ...vm, game: image.game, err: isProxmoxError(error) ? error.message : reason },
          'old game image not removed',
        );
        removals.push({ image, outcome: 'failed', reason });
      }
    }
  }
  return removals;
}
