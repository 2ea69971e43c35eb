// Cloning a template into one VM id exactly once, for VMs that are not a server's (a game image's build, a warm
// pool VM): what exists at the id is read first, a clone task an earlier try started is waited out, and a clone
// is never sent blindly a second time.
import { LockTimeoutError, type QemuConfig, TaskFailedError, type VmRef } from '@guildserver/proxmox';
import { withCloneLimits } from './clone-limits.js';
import type { VmTaskContext } from './context.js';
import { StepFailure } from './failures.js';
import type { TaskMemo } from './task-memo.js';
import { readConfig, waitCloneUnlocked, waitTask } from './vm-adapter.js';

export type CloneOnceMemo = TaskMemo & { sent?: boolean };

export interface CloneOrder {
  template: VmRef;
  vm: VmRef;
  /** What the clone is called and described as; `full` for a full copy, otherwise linked. */
  name: string;
  description: string;
  full: boolean;
  storage?: string;
  timeoutMs: number;
  /** Is what exists at the id the VM this clone makes (its marker)? */
  isMine(config: QemuConfig): boolean;
  /** The refusal when something else is there. */
  conflict: string;
}

/** Resolves once the clone exists at `order.vm`; throws `vmid_conflict` or `clone_failed` otherwise. */
export async function cloneOnce(ctx: VmTaskContext<CloneOnceMemo>, order: CloneOrder): Promise<void> {
  const { vm, template } = order;
  for (let round = 0; round < 4; round++) {
    let existing = await readConfig(ctx, vm);
    if (existing?.lock === 'clone') existing = await waitCloneUnlocked(ctx, vm, order.timeoutMs);
    if (existing) {
      if (!order.isMine(existing)) throw new StepFailure('vmid_conflict', order.conflict);
      return;
    }
    if (ctx.memo.upid && !ctx.memo.taskFinished) {
      await waitTask(ctx, ctx.memo.upid, order.timeoutMs).catch((error: unknown) => {
        if (!(error instanceof TaskFailedError || error instanceof LockTimeoutError)) throw error;
      });
      ctx.remember({ taskFinished: true });
      continue;
    }
    if (ctx.memo.sent && ctx.memo.taskFinished)
      throw new StepFailure('clone_failed', `Copying template ${template.vmid} left no VM ${vm.vmid}.`);
    await sendClone(ctx, order);
  }
  throw new StepFailure('clone_failed', `VM ${vm.vmid} did not settle after the copy.`);
}

async function sendClone(ctx: VmTaskContext<CloneOnceMemo>, order: CloneOrder): Promise<void> {
  const { vm, template } = order;
  try {
    await withCloneLimits(ctx, vm.node, async () => {
      ctx.remember({ sent: true, upid: undefined, taskFinished: false });
      const upid = await ctx.deps.proxmox.qemu.clone(template, {
        newid: vm.vmid,
        ...(order.full ? { full: true } : {}),
        name: order.name,
        description: order.description,
        ...(order.storage ? { storage: order.storage } : {}),
      });
      ctx.remember({ upid });
      try {
        await waitTask(ctx, upid, order.timeoutMs);
      } finally {
        ctx.remember({ taskFinished: true });
      }
    });
  } catch (error) {
    // Never a blind retry: the next round reads what exists at the id.
    if (await readConfig(ctx, vm)) return;
    if (error instanceof TaskFailedError)
      throw new StepFailure('clone_failed', `Copying template ${template.vmid} failed: ${error.exitstatus}.`);
    throw error;
  }
}
