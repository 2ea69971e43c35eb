import { TaskFailedError } from '@guildserver/proxmox';
import type { Step } from '../context.js';
import { StepFailure } from '../failures.js';
import { readStatus, waitTask, waitWhileLocked } from '../vm-adapter.js';
import { powerOf, requireOurs, vmOf } from './server-vm.js';

export interface RestoreMemo {
  /** Set before qmrestore is asked for. Restoring the same archive again gives the same VM, so a re-run that
   * never saw the task simply waits out any restore still running and restores again. */
  sent?: boolean;
  upid?: string;
  done?: boolean;
}

/**
 * restore_vm: qmrestore of the chosen backup over the server's own VM (`POST /nodes/{node}/qemu` with `archive`
 * and `force`), only once the VM is found stopped and carrying this server's tag. The VM id, and with it the
 * address, ports and name, stay the server's; configure then re-applies the server's own settings.
 */
export const restoreVm: Step<RestoreMemo> = {
  name: 'restore_vm',
  failure: 'restore_failed',
  async run(ctx) {
    const vm = vmOf(ctx);
    const volid = ctx.params.volid;
    if (!volid) throw new StepFailure('restore_failed', 'The restore job names no backup to restore.');
    const { memo } = ctx;
    if (memo.done) return { detail: `Restored ${volid}.` };
    if (memo.upid) await waitTask(ctx, memo.upid).catch(() => undefined);
    else if (memo.sent) await waitWhileLocked(ctx, vm, 'create');
    if (!memo.sent) {
      const status = await readStatus(ctx, vm);
      requireOurs(ctx, status, vm);
      if (powerOf(status) === 'running')
        throw new StepFailure('restore_failed', `VM ${vm.vmid} is still running; it must be stopped first.`);
    }
    ctx.remember({ sent: true, upid: undefined });
    const upid = await ctx.deps.proxmox.backup.restore({
      node: vm.node,
      vmid: vm.vmid,
      archive: volid,
      force: true,
    });
    ctx.remember({ upid });
    try {
      await waitTask(ctx, upid);
    } catch (error) {
      if (!(error instanceof TaskFailedError)) throw error;
      throw new StepFailure(
        'restore_failed',
        `Proxmox could not restore ${volid}: ${error.exitstatus}. The backup is untouched; retry the restore.`,
      );
    }
    ctx.remember({ done: true });
    return { detail: `Restored ${volid} over VM ${vm.vmid}.` };
  },
};
