import {
  archiveExtension,
  archiveInfo,
  archiveName,
  archivePath,
  expandNotesTemplate,
} from '../cluster/backups.js';
import type { SimBackup, SimVm } from '../cluster/model.js';
import { disksOf, formatSize } from '../cluster/vm-config.js';
import { PveHttpError } from '../errors.js';
import type { TaskLog } from '../tasks/runner.js';
import { type Call, flag, type Handler, str } from './context.js';

const MODE_LINES: Record<string, (vm: SimVm) => string[]> = {
  snapshot: () => ['INFO: backup mode: snapshot'],
  suspend: (vm) =>
    vm.status === 'running'
      ? ['INFO: backup mode: suspend', 'INFO: suspending guest']
      : ['INFO: backup mode: suspend'],
  stop: (vm) =>
    vm.status === 'running'
      ? [
          'INFO: backup mode: stop',
          'INFO: stopping virtual guest',
          'INFO: starting kvm to execute backup task',
        ]
      : ['INFO: backup mode: stop'],
};

/** Roughly what a compressed archive of the guest's disks weighs (the simulator writes none). */
function archiveSize(vm: SimVm, extension: string): number {
  const disks = disksOf(vm.config).filter((d) => !d.isCloudInit);
  const raw = disks.reduce((sum, d) => sum + d.sizeBytes, 0) || 1 << 30;
  return Math.round(raw * (extension === 'vma' ? 0.6 : 0.3));
}

/** One guest's backup; throws the reason it failed (vzdump logs it and goes on with the next guest). */
async function backupOne(call: Call, vm: SimVm, storageId: string, log: TaskLog): Promise<void> {
  const { sim, params } = call;
  const node = str(params, 'node')!;
  const mode = str(params, 'mode') ?? 'snapshot';
  const extension = archiveExtension(str(params, 'compress'));
  const template = str(params, 'notes-template');
  const notes =
    template === undefined
      ? undefined
      : expandNotesTemplate(template, {
          cluster: sim.cluster.state.clusterName,
          guestname: vm.config.name ?? `VM ${vm.vmid}`,
          node,
          vmid: vm.vmid,
        });
  if (vm.config.lock) throw new Error(`VM is locked (${vm.config.lock})`);
  vm.config.lock = 'backup';
  sim.changed();
  try {
    log.info(`INFO: status = ${vm.status}`);
    if (vm.config.name) log.info(`INFO: VM Name: ${vm.config.name}`);
    for (const disk of disksOf(vm.config).filter((d) => !d.isCloudInit))
      log.info(
        `INFO: include disk '${disk.key}' '${disk.storage}:${disk.volume}' ${formatSize(disk.sizeBytes)}`,
      );
    for (const line of MODE_LINES[mode]!(vm)) log.info(line);
    const { lock: _lock, parent: _parent, ...config } = vm.config;
    const at = new Date();
    const volid = `${storageId}:backup/${archiveName(vm.vmid, at, extension)}`;
    const storageType = sim.cluster.storage(storageId)!.type;
    log.info(`INFO: creating vzdump archive '${archivePath(storageType, volid)}'`);
    await sim.work(sim.durations.vzdump);
    if (mode !== 'snapshot' && vm.status === 'running') log.info('INFO: resuming VM again');
    if (sim.faults.takeStorageFull(storageId))
      throw new Error('vma_queue_write: write error - No space left on device');
    const injected = sim.faults.takeTaskError('vzdump');
    if (injected) throw new Error(injected);
    const backup: SimBackup = {
      volid,
      vmid: vm.vmid,
      storage: storageId,
      node: sim.cluster.storage(storageId)!.shared ? undefined : node,
      ctime: archiveInfo(volid).ctime ?? Math.floor(at.getTime() / 1000),
      size: archiveSize(vm, extension),
      format: extension,
      subtype: 'qemu',
      ...(notes !== undefined && notes !== '' ? { notes } : {}),
      ...(flag(params, 'protected') ? { protected: true } : {}),
      config,
    };
    await sim.backend.backupDisks(vm, backup, log);
    // Two backups of one guest within a second get the same name; the later archive replaces the earlier.
    sim.cluster.state.backups = sim.cluster.state.backups.filter((b) => b.volid !== volid);
    sim.cluster.state.backups.push(backup);
    log.info(`INFO: archive file size: ${formatSize(backup.size)}`);
    if (backup.notes !== undefined) log.info('INFO: adding notes to backup');
    if (backup.protected) log.info('INFO: marking backup as protected');
  } finally {
    delete vm.config.lock;
    sim.changed();
  }
}

/** POST /nodes/{node}/vzdump — the guest is locked `backup` while the task runs. */
export const vzdump: Handler = (call) => {
  const { sim, params, user } = call;
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
  return sim.tasks.start({
    node,
    type: 'vzdump',
    id: vmids.length === 1 ? String(vmids[0]) : '',
    user,
    run: async (log) => {
      let errors = 0;
      for (const vm of vms) {
        log.info(`INFO: Starting Backup of VM ${vm.vmid} (qemu)`);
        try {
          await backupOne(call, vm, storageId, log);
          log.info(`INFO: Finished Backup of VM ${vm.vmid}`);
        } catch (error) {
          errors++;
          log.info(`ERROR: Backup of VM ${vm.vmid} failed - ${(error as Error).message}`);
        }
      }
      if (errors > 0) throw new Error('job errors');
      log.info('INFO: Backup job finished successfully');
    },
  });
};
