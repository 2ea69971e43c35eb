// The clean-up of a failed create: destroys only a VM found carrying our tag (or our marker, tagged first).
import type { StepContext } from '../context.js';
import { ownershipOf } from '../ownership.js';
import { readConfig, vmidTaken } from '../vm-adapter.js';
import { destroyOurVm } from './destroy-vm.js';
import { serverVm } from './server-vm.js';

export interface CleanupResult {
  /** Nothing of ours is left at the VM id, so the reservation can go. */
  vmidFree: boolean;
  detail: string;
}

/**
 * After a failed create: our VM (found by tag or marker) is stopped and destroyed. The VM id is released only
 * when Proxmox confirms nothing of ours is left there; when Proxmox cannot be asked, it stays reserved so a
 * retry (or the reconciler) finds the VM again.
 */
export async function cleanUpFailedCreate(ctx: StepContext): Promise<CleanupResult> {
  const vm = serverVm(ctx);
  if (!vm) return { vmidFree: true, detail: 'No VM id was reserved.' };
  try {
    if (!(await vmidTaken(ctx, vm.vmid))) return { vmidFree: true, detail: `No VM was left at ${vm.vmid}.` };
    const current = await readConfig(ctx, vm);
    const ownership = ownershipOf(ctx.server.id, current);
    if (ownership === 'absent' || ownership === 'foreign') {
      // Someone else's VM (or one on another node): never touched; our reservation of the id goes.
      return { vmidFree: true, detail: `VM ${vm.vmid} is not this server's; left untouched.` };
    }
    ctx.progress(`Removing VM ${vm.vmid}, made by this failed create.`);
    const detail = await destroyOurVm(ctx, vm);
    return { vmidFree: !(await vmidTaken(ctx, vm.vmid)), detail };
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return {
      vmidFree: false,
      detail: `VM ${vm.vmid} could not be checked or removed (${why}); its id stays reserved.`,
    };
  }
}
