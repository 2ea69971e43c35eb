// How a VM id is chosen, for a create request (asking Proxmox whether the id is free) and for the create job's
// verify_vmid step (moving the reservation off an id a foreign VM holds): the lowest free id of the range that
// the caller accepts.
import { AlreadyExistsError, type ProxmoxClient } from '@guildserver/proxmox';
import type { Db } from '../db/database.js';
import { freeVmidCandidates } from './allocation.js';
import { DomainError } from './errors.js';
import { proxmoxRequestFailure } from './proxmox-failure.js';

type VmidRange = { first: number; last: number };

/** How many candidates are tried before giving up: enough for a range peppered with foreign VMs. */
const CANDIDATES = 20;

/** The one sentence for a range with nothing left in it. */
export const noFreeVmidMessage = (range: VmidRange) =>
  `No free VM id left in PROXMOX_VMID_RANGE ${range.first}-${range.last}; widen the range or delete servers.`;

/**
 * The lowest id of the range that holds no reservation, is not skipped and that `accept` takes; refused ids are
 * skipped from then on. `skipped` is read before each candidate, so ids other requests claim meanwhile are
 * avoided. Undefined when the range is exhausted or 20 candidates were refused.
 */
export async function claimFreeVmid(
  db: Db,
  range: VmidRange,
  skipped: () => Iterable<number>,
  accept: (candidate: number) => boolean | Promise<boolean>,
): Promise<number | undefined> {
  const refused = new Set<number>();
  for (let tries = 0; tries < CANDIDATES; tries++) {
    const [candidate] = freeVmidCandidates(db, range, 1, new Set([...skipped(), ...refused]));
    if (candidate === undefined) return undefined;
    if (await accept(candidate)) return candidate;
    refused.add(candidate);
  }
  return undefined;
}

/**
 * The lowest free id of the range that Proxmox also says is free (`/cluster/nextid?vmid=`), for a VM that is
 * not a server's (an image build, a pool VM); the caller reserves it in the same breath, and a unique violation
 * there means another request took it.
 */
export async function claimProxmoxFreeVmid(
  db: Db,
  range: VmidRange,
  proxmox: Pick<ProxmoxClient, 'cluster'>,
): Promise<number> {
  const vmid = await claimFreeVmid(
    db,
    range,
    () => [],
    async (candidate) => {
      try {
        await proxmox.cluster.nextId(candidate);
        return true;
      } catch (error) {
        if (error instanceof AlreadyExistsError) return false;
        throw proxmoxRequestFailure(error);
      }
    },
  );
  if (vmid === undefined) throw new DomainError('invalid_state', noFreeVmidMessage(range));
  return vmid;
}

/**
 * VM ids for create requests: the lowest free id that Proxmox also says is free. Ids handed to requests still in
 * flight in this process are not offered twice, so concurrent creates ask Proxmox about different ids instead of
 * racing for one (the vm_ids primary key still decides across processes); ids Proxmox uses for VMs that are not
 * ours are not offered again by this process.
 */
export function createVmidClaims(
  db: Db,
  range: VmidRange,
  /** Resolves when Proxmox says the id is free; rejects with AlreadyExistsError when it is taken. */
  checkVmidFree: (vmid: number) => Promise<void>,
) {
  const inFlight = new Set<number>();
  const foreign = new Set<number>();
  return {
    /** Claims an id (not one of `skip`); release it once its reservation is written or abandoned. */
    async claim(skip: ReadonlySet<number> = new Set()): Promise<number> {
      const vmid = await claimFreeVmid(
        db,
        range,
        () => [...skip, ...inFlight, ...foreign],
        async (candidate) => {
          inFlight.add(candidate);
          try {
            await checkVmidFree(candidate);
            return true;
          } catch (error) {
            inFlight.delete(candidate);
            if (!(error instanceof AlreadyExistsError)) throw proxmoxRequestFailure(error);
            foreign.add(candidate);
            return false;
          }
        },
      );
      if (vmid === undefined) throw new DomainError('invalid_state', noFreeVmidMessage(range));
      return vmid;
    },
    release(vmid: number): void {
      inFlight.delete(vmid);
    },
  };
}

export type VmidClaims = ReturnType<typeof createVmidClaims>;
