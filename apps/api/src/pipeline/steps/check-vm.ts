import type { Step } from '../context.js';
import { decideCheck } from '../decisions.js';
import { StepFailure } from '../failures.js';
import { ownershipOf } from '../ownership.js';
import { readConfig } from '../vm-adapter.js';
import { serverVm, tagAsOurs } from './server-vm.js';

/** What check_vm leaves for the steps after it. */
export interface CheckMemo {
  /** Delete only: no VM of ours at Proxmox; later steps make no Proxmox calls. */
  nothingToTouch?: boolean;
}

/** check_vm: the server's VM is there and ours (tagging one that only carries our marker). */
export const checkVm: Step<CheckMemo> = {
  name: 'check_vm',
  failure: 'vm_missing',
  async run(ctx) {
    const vm = serverVm(ctx);
    const current = vm ? await readConfig(ctx, vm) : undefined;
    const decision = decideCheck(ctx.kind, ownershipOf(ctx.server.id, current), vm?.vmid ?? null);
    switch (decision.action) {
      case 'fail':
        throw new StepFailure(decision.code, decision.message);
      case 'nothing_to_touch':
        ctx.remember({ nothingToTouch: true });
        return { detail: decision.detail };
      case 'claim':
        await tagAsOurs(ctx, vm!);
        return { detail: `VM ${vm!.vmid} is this server's (tagged it now).` };
      case 'ok':
        return { detail: `VM ${vm!.vmid} is this server's.` };
    }
  },
};
