import { TaskFailedError, type VmRef } from '@guildserver/proxmox';
import type { Step, StepContext } from '../context.js';
import { decideDestroy } from '../decisions.js';
import { StepFailure } from '../failures.js';
import { ownershipOf } from '../ownership.js';
import { readConfig, readStatus, waitCloneUnlocked, waitTask } from '../vm-adapter.js';
import { checkVm } from './check-vm.js';
import { cloneTimeoutMs, powerOf, serverVm, tagAsOurs } from './server-vm.js';

/** Kept apart from a step's own task memo: a failed create's clean-up runs in whichever step failed. */
export interface DestroyMemo {
  destroyUpid?: string;
  destroyFinished?: boolean;
}

/** destroy_vm: only after reading the VM's tags and finding this server's; purge, then wait. */
export const destroyVm: Step<DestroyMemo> = {
  name: 'destroy_vm',
  failure: 'destroy_failed',
  async run(ctx) {
    const vm = serverVm(ctx);
    if (!vm || ctx.memoOf(checkVm).nothingToTouch)
      return { detail: 'There is no VM of this server to destroy.' };
    return { detail: await destroyOurVm(ctx, vm) };
  },
};

/** Destroys the VM if, and only if, it is ours; the sentence says what happened. */
export async function destroyOurVm(ctx: StepContext<DestroyMemo>, vm: VmRef): Promise<string> {
  const { proxmox } = ctx.deps;
  for (let round = 0; round < 8; round++) {
    const { memo } = ctx;
    if (memo.destroyUpid && !memo.destroyFinished) {
      await waitTask(ctx, memo.destroyUpid).catch((error: unknown) => {
        if (!(error instanceof TaskFailedError)) throw error;
      });
      ctx.remember({ destroyFinished: true });
    }
    let current = await readConfig(ctx, vm);
    if (current?.lock === 'clone') {
      current = await waitCloneUnlocked(ctx, vm, cloneTimeoutMs(ctx));
    }
    const ownership = ownershipOf(ctx.server.id, current);
    const status = current ? await readStatus(ctx, vm) : undefined;
    const decision = decideDestroy(ownership, powerOf(status), vm.vmid);
    switch (decision.action) {
      case 'done':
        return round === 0 ? `VM ${vm.vmid} was already gone.` : `Destroyed VM ${vm.vmid} and its disks.`;
      case 'refuse':
        return decision.detail;
      case 'claim_then_destroy':
        await tagAsOurs(ctx, vm);
        break;
      case 'stop_first': {
        const upid = await proxmox.power.stop(vm);
        await waitTask(ctx, upid);
        break;
      }
      case 'destroy': {
        const upid = await proxmox.qemu.delete(vm, { purge: true, destroyUnreferencedDisks: true });
        ctx.remember({ destroyUpid: upid, destroyFinished: false });
        break;
      }
    }
  }
  throw new StepFailure('destroy_failed', `VM ${vm.vmid} could not be destroyed.`);
}
