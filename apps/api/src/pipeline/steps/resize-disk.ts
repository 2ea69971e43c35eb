import type { Step } from '../context.js';
import { decideResize } from '../decisions.js';
import { StepFailure } from '../failures.js';
import { awaitStartedTask, resumeStartedTask, type TaskMemo } from '../task-memo.js';
import { readConfig } from '../vm-adapter.js';
import { diskBytes } from '../vm-spec.js';
import { requireOurs, vmOf } from './server-vm.js';

/** resize_disk: grow scsi0 to the server's size; never shrink. */
export const resizeDisk: Step<TaskMemo> = {
  name: 'resize_disk',
  failure: 'resize_failed',
  async run(ctx) {
    const vm = vmOf(ctx);
    await resumeStartedTask(ctx);
    const current = await readConfig(ctx, vm);
    requireOurs(ctx, current, vm);
    if (current?.scsi0 === undefined) {
      throw new StepFailure(
        'resize_failed',
        `VM ${vm.vmid} has no scsi0 disk; the template must keep its system disk on scsi0.`,
      );
    }
    const decision = decideResize(diskBytes(current.scsi0), ctx.server.diskGiB);
    if (decision.action === 'keep') return { detail: decision.detail };
    const upid = await ctx.deps.proxmox.qemu.resize(vm, 'scsi0', decision.size);
    if (upid) await awaitStartedTask(ctx, upid);
    return { detail: `Grew the disk to ${ctx.server.diskGiB} GiB.` };
  },
};
