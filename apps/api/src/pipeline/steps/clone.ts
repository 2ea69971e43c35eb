import { decodeTags, LockTimeoutError, TaskFailedError, type VmRef } from '@guildserver/proxmox';
import { now } from '../../domain/ids.js';
import { currentImageOf } from '../../images/image-lookup.js';
import { gameTag, IMAGE_TAG, recipeOf } from '../../images/image-marks.js';
import { withCloneLimits } from '../clone-limits.js';
import type { Step, StepContext } from '../context.js';
import { type CloneMemo, decideClone } from '../decisions.js';
import { StepFailure } from '../failures.js';
import { isOurs, ownershipOf, vmName } from '../ownership.js';
import { readConfig, waitCloneUnlocked, waitTask } from '../vm-adapter.js';
import { describeVm } from '../vm-spec.js';
import { cloneTimeoutMs, vmOf } from './server-vm.js';

/** What a clone copies: the job's game image, or the base template (`image: false`). Chosen once, before cloning. */
export interface CloneSource {
  vmid: number;
  node: string;
  image: boolean;
}

type CloneStepMemo = CloneMemo & { taskFinished?: boolean; source?: CloneSource };

/** Is the server's VM a clone of its game's image (cloned from it, or taken from the warm pool made of it)? */
export const fromGameImage = (ctx: StepContext): boolean =>
  Boolean(ctx.params.pool || ctx.memoOf(clone).source?.image);

/** clone: template → our VM id, inside the node/storage limiter, lock time-outs retried; never a blind second clone. */
export const clone: Step<CloneStepMemo> = {
  name: 'clone',
  failure: 'clone_failed',
  async run(ctx) {
    const vm = vmOf(ctx);
    const { config } = ctx.deps;
    let cloned = false;
    for (let round = 0; round < 10; round++) {
      const { memo } = ctx;
      const existing = await readConfig(ctx, vm);
      const decision = decideClone(
        ownershipOf(ctx.server.id, existing),
        memo,
        vm.vmid,
        memo.taskFinished === true,
      );
      switch (decision.action) {
        case 'done': {
          if (!cloned) return { detail: `VM ${vm.vmid} was already cloned.` };
          const source = ctx.memo.source;
          const what = source?.image
            ? `the ${ctx.game.name} game image ${source.vmid}`
            : `template ${source?.vmid ?? config.proxmox.baseImageVmid}`;
          return { detail: `Cloned ${what} into VM ${vm.vmid} (${vmName(ctx.server.id)}).` };
        }
        case 'fail':
          throw new StepFailure(decision.code, decision.message);
        case 'wait_unlock':
          await waitCloneUnlocked(ctx, vm, cloneTimeoutMs(ctx));
          ctx.remember({ taskFinished: true });
          break;
        case 'wait_task':
          await waitForEarlierClone(ctx, decision.upid);
          break;
        case 'clone':
          await sendClone(ctx, vm);
          cloned = true;
          break;
      }
    }
    throw new StepFailure(
      'clone_failed',
      `VM ${vm.vmid} did not settle after cloning; an admin should look at it.`,
    );
  },
};

async function waitForEarlierClone(ctx: StepContext<CloneStepMemo>, upid: string): Promise<void> {
  try {
    await waitTask(ctx, upid, cloneTimeoutMs(ctx));
  } catch (error) {
    // Its outcome is read from what exists next round; only "cannot tell yet" is passed on.
    if (!(error instanceof TaskFailedError || error instanceof LockTimeoutError)) throw error;
  }
  ctx.remember({ taskFinished: true });
}

/**
 * The job's game image while Proxmox still holds it as it was chosen (a template, tagged as that game's image,
 * of the same recipe); otherwise the game's current image, if a newer one replaced it; otherwise the base
 * template, and the game is installed in full. The progress says why.
 */
async function chooseSource(ctx: StepContext<CloneStepMemo>): Promise<CloneSource> {
  const { config } = ctx.deps;
  const base: CloneSource = { vmid: config.proxmox.baseImageVmid, node: config.proxmox.node, image: false };
  const wanted = ctx.kind === 'create' ? ctx.params.image : undefined;
  if (!wanted) return base;
  const current = await readConfig(ctx, { node: wanted.node, vmid: wanted.vmid });
  const tags = decodeTags(current?.tags);
  const still =
    current !== undefined &&
    Number(current.template ?? 0) === 1 &&
    tags.includes(IMAGE_TAG) &&
    tags.includes(gameTag(ctx.game.id)) &&
    recipeOf(current.description)?.recipe === wanted.recipe;
  if (still) return { vmid: wanted.vmid, node: wanted.node, image: true };
  const gone = `The ${ctx.game.name} game image (VM ${wanted.vmid}) is gone or was rebuilt since the create was asked for`;
  const newer = await currentImageOf(ctx.deps, ctx.game);
  if (newer) {
    ctx.progress(`${gone}; cloning its current image, VM ${newer.vmid}, instead.`);
    return { vmid: newer.vmid, node: newer.node, image: true };
  }
  ctx.progress(`${gone}; cloning the base template ${base.vmid} and installing the game in full instead.`);
  return base;
}

async function sendClone(ctx: StepContext<CloneStepMemo>, vm: VmRef): Promise<void> {
  const { proxmox } = ctx.deps;
  if (!ctx.memo.source) ctx.remember({ source: await chooseSource(ctx) });
  const template = { node: ctx.memo.source!.node, vmid: ctx.memo.source!.vmid };
  try {
    await withCloneLimits(ctx, vm.node, async () => {
      ctx.remember({ requestedAt: now(), upid: undefined, taskFinished: false });
      const upid = await proxmox.qemu.clone(template, {
        newid: vm.vmid,
        name: vmName(ctx.server.id),
        description: describeVm(ctx.server, ctx.game),
      });
      ctx.remember({ upid });
      try {
        await waitTask(ctx, upid, cloneTimeoutMs(ctx));
      } finally {
        ctx.remember({ taskFinished: true });
      }
    });
  } catch (error) {
    // Never a blind retry: first look at what exists at the id.
    const after = await readConfig(ctx, vm);
    if (after && isOurs(ownershipOf(ctx.server.id, after))) return;
    if (after) return; // locked or foreign: the next round decides (wait it out, or fail as a conflict)
    if (error instanceof TaskFailedError) {
      const what = ctx.memo.source?.image ? 'the game image' : 'template';
      throw new StepFailure('clone_failed', `Cloning ${what} ${template.vmid} failed: ${error.exitstatus}.`);
    }
    throw error;
  }
}
