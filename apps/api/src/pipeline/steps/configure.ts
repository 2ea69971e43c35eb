import type { Step } from '../context.js';
import { StepFailure } from '../failures.js';
import { descriptionMarker, isOurs, ownershipOf } from '../ownership.js';
import { canSkipFirstBootUpgrade } from '../pve-features.js';
import { awaitStartedTask, resumeStartedTask, type TaskMemo } from '../task-memo.js';
import { readConfig, waitCloneUnlocked } from '../vm-adapter.js';
import { configChanges, desiredVm } from '../vm-spec.js';
import { fromGameImage } from './clone.js';
import { cloneTimeoutMs, vmOf } from './server-vm.js';

/** configure: one POST with only what differs from the wanted config (tags and marker included). */
export const configure: Step<TaskMemo> = {
  name: 'configure',
  failure: 'configure_failed',
  async run(ctx) {
    const vm = vmOf(ctx);
    await resumeStartedTask(ctx);
    let current = await readConfig(ctx, vm);
    if (current?.lock === 'clone') current = await waitCloneUnlocked(ctx, vm, cloneTimeoutMs(ctx));
    const ownership = ownershipOf(ctx.server.id, current);
    if (!current || ownership === 'absent') {
      throw new StepFailure('vm_missing', `VM ${vm.vmid} disappeared before it was configured.`);
    }
    if (!isOurs(ownership)) {
      throw new StepFailure(
        'vm_not_ours',
        `VM ${vm.vmid} carries neither this server's tag nor its marker (${descriptionMarker(ctx.server.id)}); it is left untouched.`,
      );
    }
    const desired = desiredVm(ctx.server, ctx.game, ctx.deps.config.proxmox);
    if (fromGameImage(ctx) && (await canSkipFirstBootUpgrade(ctx.deps.proxmox)))
      desired.firstBootUpgrade = false;
    const update = configChanges(current, desired);
    const summary = `${desired.cores} cores, ${desired.memory} MiB, CPU ${desired.cpu}, ${desired.bridge}${desired.vlanTag ? ` VLAN ${desired.vlanTag}` : ''}, DHCP, tagged ${desired.tags.join(';')}`;
    if (!update) return { detail: `Already configured: ${summary}.` };
    const upid = await ctx.deps.proxmox.qemu.updateConfigAsync(vm, update);
    if (upid) await awaitStartedTask(ctx, upid);
    return { detail: `Configured ${summary}.` };
  },
};
