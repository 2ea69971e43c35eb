import { poolVmName } from '../../pool/pool-marks.js';
import { deletePoolVm } from '../../pool/pool-store.js';
import { isPoolVmOf } from '../../pool/pool-vm-maker.js';
import type { Step } from '../context.js';
import { StepFailure } from '../failures.js';
import { isOurs, OUR_TAG, ownershipOf, serverTag, vmName } from '../ownership.js';
import { readConfig } from '../vm-adapter.js';
import { describeVm } from '../vm-spec.js';
import { vmOf } from './server-vm.js';

/**
 * adopt_vm: the warm-pool VM the create took (its VM id is the server's since the request) becomes the
 * server's: renamed, tagged `gs-<server id>` and described as it, in one config change (applied at once, even
 * while it runs); its pool row goes. Run again, it finds the VM already the server's.
 */
export const adoptVm: Step = {
  name: 'adopt_vm',
  failure: 'configure_failed',
  async run(ctx) {
    const vm = vmOf(ctx);
    const pool = ctx.params.pool;
    if (!pool) throw new StepFailure('internal', 'This create took no pool VM.');
    const current = await readConfig(ctx, vm);
    const since = pool.mode === 'booted' ? 'booted and waiting' : 'stopped and waiting';
    if (isOurs(ownershipOf(ctx.server.id, current))) {
      deletePoolVm(ctx.deps.db, { id: pool.id, vmid: vm.vmid });
      return { detail: `VM ${vm.vmid} from the pool is this server's.` };
    }
    if (!current)
      throw new StepFailure(
        'vm_missing',
        `The pool VM ${vm.vmid} is gone from Proxmox; retry the create to clone the game's image instead.`,
      );
    if (!isPoolVmOf({ id: pool.id }, current))
      throw new StepFailure(
        'vm_not_ours',
        `VM ${vm.vmid} is no longer pool VM ${poolVmName(pool.id)}; it is left untouched. Retry the create to clone the game's image instead.`,
      );
    await ctx.deps.proxmox.qemu.updateConfig(vm, {
      name: vmName(ctx.server.id),
      tags: [OUR_TAG, serverTag(ctx.server.id)],
      description: describeVm(ctx.server, ctx.game),
    });
    deletePoolVm(ctx.deps.db, { id: pool.id, vmid: vm.vmid });
    return {
      detail: `Took VM ${vm.vmid} from the warm pool (${since}) and made it ${vmName(ctx.server.id)}.`,
    };
  },
};
