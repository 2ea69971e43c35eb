import { LockTimeoutError, TaskFailedError, type VmRef, withLockRetry } from '@guildserver/proxmox';
import { now } from '../../domain/ids.js';
import type { Step, StepContext } from '../context.js';
import { type CloneMemo, decideClone } from '../decisions.js';
import { StepFailure } from '../failures.js';
import { isOurs, ownershipOf, vmName } from '../ownership.js';
import { readConfig, waitCloneUnlocked, waitTask } from '../vm-adapter.js';
import { describeVm } from '../vm-spec.js';
import { cloneTimeoutMs, vmOf } from './server-vm.js';

type CloneStepMemo = CloneMemo & { taskFinished?: boolean };

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
        case 'done':
          return {
            detail: cloned
              ? `Cloned template ${config.proxmox.baseImageVmid} into VM ${vm.vmid} (${vmName(ctx.server.id)}).`
              : `VM ${vm.vmid} was already cloned.`,
          };
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

async function sendClone(ctx: StepContext<CloneStepMemo>, vm: VmRef): Promise<void> {
  const { proxmox, limiter, config } = ctx.deps;
  const template = { node: config.proxmox.node, vmid: config.proxmox.baseImageVmid };
  const { attempts, baseDelayMs, maxDelayMs } = ctx.options.lockRetry;
  try {
    await limiter.run({ node: vm.node, storage: config.proxmox.storage }, () =>
      withLockRetry(
        async () => {
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
        },
        {
          attempts,
          baseDelayMs,
          maxDelayMs,
          signal: ctx.signal,
          onRetry: (_error, attempt, delayMs) =>
            ctx.progress(
              `The storage ${config.proxmox.storage} is busy with other clones; trying again in ${Math.ceil(delayMs / 1000)} s (try ${attempt + 1}).`,
              { attempt },
            ),
        },
      ),
    );
  } catch (error) {
    // Never a blind retry: first look at what exists at the id.
    const after = await readConfig(ctx, vm);
    if (after && isOurs(ownershipOf(ctx.server.id, after))) return;
    if (after) return; // locked or foreign: the next round decides (wait it out, or fail as a conflict)
    if (error instanceof TaskFailedError) {
      throw new StepFailure('clone_failed', `Cloning template ${template.vmid} failed: ${error.exitstatus}.`);
    }
    throw error;
  }
}
