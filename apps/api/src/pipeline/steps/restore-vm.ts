import { TaskFailedError } from '@guildserver/proxmox';
import { makesNewVm } from '../../domain/plans.js';
import type { Step } from '../context.js';
import { StepFailure } from '../failures.js';
import { descriptionMarker, isOurs, OUR_TAG, ownershipOf, serverTag, vmName } from '../ownership.js';
import { readConfig, readStatus, waitTask, waitWhileLocked } from '../vm-adapter.js';
import { powerOf, requireOurs, vmOf } from './server-vm.js';

export interface RestoreMemo {
  /** Set before qmrestore is asked for. Restoring the same archive again gives the same VM, so a re-run that
   * never saw the task simply waits out any restore still running and restores again. */
  sent?: boolean;
  upid?: string;
  done?: boolean;
}

/**
 * restore_vm: qmrestore of the job's backup (`POST /nodes/{node}/qemu` with `archive`). A restore goes over the
 * server's own VM (`force`), only once it is found stopped and carrying the server's tag: the VM id, and with it
 * the address, ports and name, stay the server's. A recreate (undo delete) or a copy restores into the server's new VM id
 * (`unique`: new MAC addresses), named and tagged as the server's in the same call. configure then re-applies
 * the server's own settings either way.
 */
export const restoreVm: Step<RestoreMemo> = {
  name: 'restore_vm',
  failure: 'restore_failed',
  async run(ctx) {
    const vm = vmOf(ctx);
    const volid = ctx.params.volid;
    if (!volid) throw new StepFailure('restore_failed', 'The restore job names no backup to restore.');
    const intoNewVm = makesNewVm(ctx.kind);
    const { memo } = ctx;
    const done = () => {
      ctx.remember({ done: true });
      return { detail: `Restored ${volid} ${intoNewVm ? 'into' : 'over'} VM ${vm.vmid}.` };
    };
    if (memo.done) return done();
    if (memo.upid) await waitTask(ctx, memo.upid).catch(() => undefined);
    else if (memo.sent) await waitWhileLocked(ctx, vm, 'create');
    if (intoNewVm) {
      // A VM of ours at the new id already is an earlier try's restore, finished.
      const current = await readConfig(ctx, vm);
      if (current && isOurs(ownershipOf(ctx.server.id, current))) return done();
      if (current) requireOurs(ctx, current, vm);
    } else if (!memo.sent) {
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
      ...(intoNewVm
        ? {
            unique: true,
            config: {
              name: vmName(ctx.server.id),
              tags: [OUR_TAG, serverTag(ctx.server.id)].join(';'),
              description: descriptionMarker(ctx.server.id),
            },
          }
        : { force: true }),
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
    return done();
  },
};
