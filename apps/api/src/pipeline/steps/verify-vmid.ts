import { claimFreeVmid, noFreeVmidMessage } from '../../domain/vmid-claims.js';
import type { Step, StepContext } from '../context.js';
import { decideVmid } from '../decisions.js';
import { StepFailure } from '../failures.js';
import { readServer, replaceVmid } from '../job-store.js';
import { ownershipOf } from '../ownership.js';
import { readConfig, vmidTaken } from '../vm-adapter.js';
import { clone } from './clone.js';

const VMID_TRIES = 20;

/** verify_vmid: the reserved id is free at Proxmox or already holds our VM; a foreign VM there → another id. */
export const verifyVmid: Step = {
  name: 'verify_vmid',
  failure: 'vmid_unavailable',
  async run(ctx) {
    const { db, config } = ctx.deps;
    const skip = new Set<number>();
    const cloneMemo = ctx.memoOf(clone);
    const cloneRequested = cloneMemo.requestedAt !== undefined || cloneMemo.upid !== undefined;
    for (let attempt = 0; attempt < VMID_TRIES; attempt++) {
      const server = readServer(db, ctx.server.id);
      let vmid = server.vmid;
      if (vmid === null) {
        vmid = await nextCandidate(ctx, skip, null);
        continue;
      }
      if (!(await vmidTaken(ctx, vmid))) return { detail: `VM id ${vmid} is free at Proxmox.` };
      const vmConfig = await readConfig(ctx, { node: ctx.node, vmid });
      // Taken, but not on our node: someone else's VM elsewhere in the cluster.
      const ownership = vmConfig ? ownershipOf(server.id, vmConfig) : 'foreign';
      const decision = decideVmid(ownership, cloneRequested);
      if (decision.action === 'resume')
        return { detail: `VM ${vmid} is already this server's; picking up where it was.` };
      if (decision.action === 'use') return { detail: `VM id ${vmid} is free at Proxmox.` };
      skip.add(vmid);
      const next = await nextCandidate(ctx, skip, vmid);
      ctx.progress(`VM id ${vmid} holds a VM GuildServer did not make; using ${next} instead.`, {
        from: vmid,
        to: next,
      });
    }
    throw new StepFailure('vmid_unavailable', noFreeVmidMessage(config.vmidRange));

    /** Moves the server's reservation from `old` to the lowest free id not skipped. */
    async function nextCandidate(c: StepContext, skipped: Set<number>, old: number | null): Promise<number> {
      const next = await claimFreeVmid(
        c.deps.db,
        config.vmidRange,
        () => skipped,
        (candidate) => replaceVmid(c.deps.db, c.server.id, old, candidate),
      );
      if (next === undefined) throw new StepFailure('vmid_unavailable', noFreeVmidMessage(config.vmidRange));
      return next;
    }
  },
};
