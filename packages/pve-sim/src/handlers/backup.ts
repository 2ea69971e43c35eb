import { PveHttpError } from '../errors.js';
import { type Handler, str } from './context.js';

/** POST /nodes/{node}/vzdump — the guest is locked `backup` while the task runs. */
export const vzdump: Handler = ({ sim, params, user }) => {
  const { cluster } = sim;
  const node = str(params, 'node')!;
  const vmids = (str(params, 'vmid') ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean)
    .map(Number);
  if (vmids.length === 0) throw new PveHttpError(500, 'no guests selected for backup (use vmid or all)');
  const storageId = str(params, 'storage') ?? 'local';
  const storage = cluster.storage(storageId);
  if (!storage?.nodes.includes(node)) throw new PveHttpError(500, `storage '${storageId}' does not exist`);
  if (!storage.content.includes('backup')) {
    throw new PveHttpError(500, `storage '${storageId}' does not support backup content`);
  }
  const vms = vmids.map((vmid) => cluster.vmOn(node, vmid));
  const compress = str(params, 'compress') ?? '0';
  const extension =
    { '0': 'vma', '1': 'vma.lzo', gzip: 'vma.gz', lzo: 'vma.lzo', zstd: 'vma.zst' }[compress] ?? 'vma';
  return sim.tasks.start({
    node,
    type: 'vzdump',
    id: vmids.length === 1 ? String(vmids[0]) : '',
    user,
    run: async (log) => {
      for (const vm of vms) {
        if (vm.config.lock)
          throw new Error(`ERROR: Backup of VM ${vm.vmid} failed - VM is locked (${vm.config.lock})`);
        vm.config.lock = 'backup';
        sim.changed();
        log.info(`INFO: Starting Backup of VM ${vm.vmid} (qemu)`);
        try {
          await sim.work(sim.durations.vzdump);
          const injected = sim.faults.takeTaskError('vzdump');
          if (injected) throw new Error(`ERROR: Backup of VM ${vm.vmid} failed - ${injected}`);
        } finally {
          delete vm.config.lock;
          sim.changed();
        }
        const stamp = new Date().toISOString().replace(/[-:]/g, '_').replace('T', '-').slice(0, 19);
        const volid = `${storageId}:backup/vzdump-qemu-${vm.vmid}-${stamp}.${extension}`;
        cluster.state.backups.push({
          volid,
          vmid: vm.vmid,
          storage: storageId,
          ctime: Math.floor(Date.now() / 1000),
          size: 1 << 30,
        });
        log.info(`INFO: creating vzdump archive '${volid}'`);
        log.info(`INFO: Finished Backup of VM ${vm.vmid}`);
      }
    },
  });
};
