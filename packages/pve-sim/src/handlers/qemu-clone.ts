import { disksOf, renameForClone } from '../cluster/vm-config.js';
import { PveHttpError } from '../errors.js';
import { flag, type Handler, num, str } from './context.js';

const LINKED_CLONE_TYPES = new Set(['lvmthin', 'dir', 'zfspool', 'rbd']);

/** POST /nodes/{node}/qemu/{vmid}/clone — the new config exists at once, locked `clone`, until the task ends. */
export const cloneVm: Handler = ({ sim, params, user }) => {
  const node = str(params, 'node')!;
  const vmid = num(params, 'vmid')!;
  const newid = num(params, 'newid')!;
  const { cluster } = sim;
  const source = cluster.vmOn(node, vmid);
  const isTemplate = cluster.isTemplate(source);
  const full = params.full === undefined ? !isTemplate : flag(params, 'full');
  const targetNode = str(params, 'target') ?? node;
  const fullStorage = str(params, 'storage');

  if (!full && fullStorage !== undefined)
    throw new PveHttpError(500, "parameter 'storage' not allowed for linked clones");
  if (!full && params.format !== undefined)
    throw new PveHttpError(500, "parameter 'format' not allowed for linked clones");
  if (!full && !isTemplate)
    throw new PveHttpError(500, 'Linked clone feature for non-template VMs is not supported');
  if (!cluster.node(targetNode)) throw new PveHttpError(500, `no such node '${targetNode}'`);
  if (!cluster.node(targetNode)!.online)
    throw new PveHttpError(500, `target node '${targetNode}' is not online`);
  if (!isTemplate) cluster.assertUnlocked(source);

  const existing = cluster.findVm(newid);
  if (existing) throw new PveHttpError(500, `VM ${newid} already exists on node '${existing.node}'`);

  const dataDisks = disksOf(source.config).filter((d) => !d.isCloudInit);
  for (const disk of dataDisks) {
    const storage = cluster.storage(disk.storage);
    if (!full && (!storage || !LINKED_CLONE_TYPES.has(storage.type))) {
      throw new PveHttpError(500, `Linked clone feature is not supported for drive '${disk.key}'`);
    }
    if (targetNode !== node && !storage?.shared) {
      throw new PveHttpError(500, `Can't clone VM to node '${targetNode}' (VM uses local storage)`);
    }
  }
  if (fullStorage !== undefined) {
    const storage = cluster.storage(fullStorage);
    if (!storage?.nodes.includes(targetNode)) {
      throw new PveHttpError(500, `storage '${fullStorage}' does not exist`);
    }
    if (!storage.content.includes('images')) {
      throw new PveHttpError(500, `storage '${fullStorage}' does not support vm images`);
    }
  }

  const name = str(params, 'name') ?? `Copy-of-VM-${source.config.name ?? vmid}`;
  const clone = {
    vmid: newid,
    node: targetNode,
    status: 'stopped' as const,
    pending: {},
    pendingDelete: [],
    snapshots: [],
  };
  cluster.addVm({ ...clone, config: { lock: 'clone', name } });
  sim.changed();

  const lockStorage = fullStorage ?? dataDisks[0]?.storage ?? 'local-lvm';
  return sim.tasks.start({
    node,
    type: 'qmclone',
    id: String(vmid),
    user,
    run: async (log) => {
      try {
        log.info(
          `create ${full ? 'full' : 'linked'} clone of drive ${dataDisks[0]?.key ?? 'scsi0'} (${source.config[dataDisks[0]?.key ?? 'scsi0']?.split(',')[0] ?? ''})`,
        );
        const lockTimeout = `clone failed: can't lock file '/var/lock/pve-manager/pve-storage-${lockStorage}' - got timeout`;
        if (sim.faults.takeLockTimeout(lockStorage)) {
          await sim.work(sim.durations.storageLockWait);
          throw new Error(lockTimeout);
        }
        const release = await sim.storageLocks
          .acquire(lockStorage, sim.durations.storageLockWait)
          .catch(() => {
            throw new Error(lockTimeout);
          });
        try {
          await sim.work(full ? sim.durations.cloneFull : sim.durations.cloneLinked);
        } finally {
          release();
        }
        const injected = sim.faults.takeTaskError('qmclone');
        if (injected) throw new Error(injected);
        const vm = cluster.findVm(newid);
        if (!vm) throw new Error(`clone failed: VM ${newid} vanished during clone`);
        const config: Record<string, string> = {
          ...renameForClone(source.config, newid, full, fullStorage),
          name,
          lock: 'clone',
        };
        const description = str(params, 'description');
        if (description !== undefined) config.description = description;
        vm.config = config;
        await sim.backend.cloneDisks(source, vm, full, log);
        delete vm.config.lock;
        sim.changed();
      } catch (error) {
        const halfMade = cluster.findVm(newid);
        if (halfMade) await sim.backend.destroy(halfMade, log).catch(() => {});
        cluster.removeVm(newid);
        sim.changed();
        throw error;
      }
    },
  });
};
