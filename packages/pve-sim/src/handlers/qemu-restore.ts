import { archivePath, restoredConfig } from '../cluster/backups.js';
import type { SimBackup } from '../cluster/model.js';
import { disksOf } from '../cluster/vm-config.js';
import { PveHttpError } from '../errors.js';
import { flag, type Handler, num, type SimContext, str } from './context.js';

/** Parameters of a restore that are not config keys overriding the archived config. */
const RESTORE_PARAMS = new Set([
  'node',
  'vmid',
  'archive',
  'force',
  'unique',
  'storage',
  'start',
  'pool',
  'bwlimit',
  'live-restore',
]);

function findArchive(sim: SimContext, node: string, archive: string): SimBackup {
  const backup = sim.cluster.state.backups.find((b) => b.volid === archive);
  const storage = backup && sim.cluster.storage(backup.storage);
  const visible = storage?.nodes.includes(node) && (storage.shared || !backup!.node || backup!.node === node);
  if (!backup || !visible) throw new PveHttpError(500, `can't find file '${archive}'`);
  return backup;
}

/**
 * POST /nodes/{node}/qemu with `archive` (qmrestore). As qemu-server's create_vm: the config is created or
 * taken over at once with `lock: create` (refused when it exists without `force`, or is locked), then a
 * `qmrestore` task writes the archived config under the new vmid. Creating a VM without `archive` is not
 * simulated.
 */
export const restoreVm: Handler = ({ sim, params, user }) => {
  const { cluster } = sim;
  const node = str(params, 'node')!;
  const vmid = num(params, 'vmid')!;
  const archive = str(params, 'archive');
  if (archive === undefined)
    throw new PveHttpError(501, "creating a VM without 'archive' is not implemented by the simulator");
  const backup = findArchive(sim, node, archive);
  const emsg = `unable to restore VM ${vmid} -`;

  // PVE::AbstractConfig::create_and_lock_config: check_vmid_unused unless force, then check_lock.
  let vm = cluster.findVm(vmid);
  if (vm && (!flag(params, 'force') || vm.node !== node))
    throw new PveHttpError(500, `${emsg} VM ${vmid} already exists on node '${vm.node}'`);
  if (vm?.config.lock) throw new PveHttpError(500, `${emsg} VM is locked (${vm.config.lock})`);
  if (vm) {
    vm.config.lock = 'create';
  } else {
    vm = {
      vmid,
      node,
      status: 'stopped',
      config: { lock: 'create' },
      pending: {},
      pendingDelete: [],
      snapshots: [],
    };
    cluster.addVm(vm);
  }
  sim.changed();
  const target = vm;

  return sim.tasks.start({
    node,
    type: 'qmrestore',
    id: String(vmid),
    user,
    run: async (log) => {
      let restoredData = false;
      try {
        // check_protection appends its own " - " to a message that already ends in one.
        if (target.config.protection === '1') throw new Error(`${emsg} - protection mode enabled`);
        if (target.status === 'running') throw new Error(`${emsg} vm is running`);
        const storage = str(params, 'storage');
        if (storage !== undefined) {
          const s = cluster.storage(storage);
          if (!s?.nodes.includes(node)) throw new Error(`storage '${storage}' does not exist`);
          if (!s.content.includes('images'))
            throw new Error(`storage '${storage}' does not support vm images`);
        }
        const storageType = cluster.storage(backup.storage)?.type ?? 'dir';
        log.info(
          `restore vma archive: vma extract -v -r /var/tmp/vzdumptmp.fifo ${archivePath(storageType, backup.volid)} /var/tmp/vzdumptmp`,
        );
        const config = restoredConfig(backup.config ?? {}, vmid, { storage, unique: flag(params, 'unique') });
        for (const [key, value] of Object.entries(params)) {
          if (!RESTORE_PARAMS.has(key) && value !== undefined) config[key] = String(value);
        }
        for (const disk of disksOf(config).filter((d) => !d.isCloudInit))
          log.info(`new volume ID is '${disk.storage}:${disk.volume}'`);
        await sim.work(sim.durations.restore);
        const injected = sim.faults.takeTaskError('qmrestore');
        if (injected) throw new Error(injected);
        target.config = { ...config, lock: 'create' };
        target.pending = {};
        target.pendingDelete = [];
        target.snapshots = [];
        await sim.backend.restoreDisks(target, backup, log);
        restoredData = true;
        log.info('rescan volumes...');
        delete target.config.lock;
        sim.changed();
        if (flag(params, 'start')) {
          log.info('Execute autostart');
          await sim.backend.start(target, log);
          target.status = 'running';
          target.startedAt = Date.now();
          sim.changed();
        }
      } catch (error) {
        // qemu-server removes the create lock and leaves the VM as it is (for a new vmid: an empty config).
        if (target.config.lock === 'create') delete target.config.lock;
        sim.changed();
        log.warn(
          restoredData
            ? `error after data was restored, VM disks should be OK but config may require adaptions. VM ${vmid} state is NOT cleaned up.`
            : `error before or during data restore, some or all disks were not completely restored. VM ${vmid} state is NOT cleaned up.`,
        );
        throw error;
      }
    },
  });
};
