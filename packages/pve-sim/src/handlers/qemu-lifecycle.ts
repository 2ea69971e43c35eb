import {
  disksOf,
  ownVolumeName,
  parseDisk,
  parseSize,
  setDiskSize,
  volumesOf,
} from '../cluster/vm-config.js';
import { PveHttpError } from '../errors.js';
import { type Handler, num, str } from './context.js';

/**
 * DELETE /nodes/{node}/qemu/{vmid}: refused at once while running or locked — except by the `suspended` lock of
 * a hibernated VM, whose state volume goes with its disks (qemu-server's destroy_vm).
 */
export const destroyVm: Handler = ({ sim, params, user }) => {
  const { cluster } = sim;
  const vm = cluster.vmOn(str(params, 'node')!, num(params, 'vmid')!);
  if (params.skiplock === undefined && vm.config.lock !== 'suspended') cluster.assertUnlocked(vm);
  if (vm.status === 'running') throw new PveHttpError(500, `VM ${vm.vmid} is running - destroy failed`);
  if (vm.config.protection === '1') throw new PveHttpError(500, "can't remove VM - protection mode enabled");
  return sim.tasks.start({
    node: vm.node,
    type: 'qmdestroy',
    id: String(vm.vmid),
    user,
    run: async (log) => {
      // qemu-server's destroy_vm, before it frees anything: the task fails, the template stays whole. (Real
      // LVM-thin clones do not name their base, so PVE lets a template on lvmthin go; the simulator's clone
      // volumes name it on every storage, as ZFS, RBD and directory storage do, and it refuses.)
      if (cluster.isTemplate(vm)) {
        for (const volid of volumesOf(vm.config)) {
          if (!ownVolumeName(volid.slice(volid.indexOf(':') + 1)).startsWith('base-')) continue;
          if (cluster.linkedClonesOf(volid).length > 0)
            throw new Error(`base volume '${volid}' is still in use by linked cloned`);
        }
      }
      await sim.work(sim.durations.destroy);
      const injected = sim.faults.takeTaskError('qmdestroy');
      if (injected) throw new Error(injected);
      await sim.backend.destroy(vm, log);
      for (const disk of disksOf(vm.config))
        log.info(`Removing image: 100% complete...done. (${disk.storage}:${disk.volume})`);
      if (vm.config.vmstate) log.info(`Removing image: 100% complete...done. (${vm.config.vmstate})`);
      cluster.removeVm(vm.vmid);
      sim.changed();
    },
  });
};

/** PUT .../resize: a task from PVE 8.0 on, synchronous (null) in 7.x; shrinking is refused. */
export const resizeDisk: Handler = async ({ sim, params, user }) => {
  const { cluster } = sim;
  const vm = cluster.vmOn(str(params, 'node')!, num(params, 'vmid')!);
  const diskKey = str(params, 'disk')!;
  const sizeText = str(params, 'size')!;
  const apply = async () => {
    cluster.assertUnlocked(vm);
    const value = vm.config[diskKey];
    const disk = value ? parseDisk(diskKey, value) : undefined;
    if (!value || !disk) throw new Error(`disk '${diskKey}' does not exist`);
    if (disk.isCloudInit || value.includes('media=cdrom')) throw new Error("you can't resize a cdrom");
    const relative = sizeText.startsWith('+');
    const amount = parseSize(relative ? sizeText.slice(1) : sizeText);
    const next = relative ? disk.sizeBytes + amount : amount;
    if (next < disk.sizeBytes) throw new Error('shrinking disks is not supported');
    if (next === disk.sizeBytes) return;
    await sim.backend.resizeDisk(vm, diskKey, next);
    vm.config[diskKey] = setDiskSize(value, next);
    sim.changed();
  };
  if (sim.version === '7.4') {
    try {
      await apply();
    } catch (error) {
      if (error instanceof PveHttpError) throw error;
      throw new PveHttpError(500, (error as Error).message);
    }
    return null;
  }
  return sim.tasks.start({
    node: vm.node,
    type: 'resize',
    id: String(vm.vmid),
    user,
    run: async () => {
      await sim.work(sim.durations.resize);
      await apply();
    },
  });
};

export const listVms: Handler = ({ sim, params }) => {
  const node = str(params, 'node')!;
  return sim.cluster.state.vms
    .filter((vm) => vm.node === node)
    .map((vm) => {
      const entry: Record<string, unknown> = {
        vmid: vm.vmid,
        name: vm.config.name,
        status: vm.status,
        cpus: Number(vm.config.cores ?? 1),
        maxmem: Number(/(\d+)/.exec(vm.config.memory ?? '512')?.[1] ?? 512) * 1024 * 1024,
        uptime: vm.status === 'running' && vm.startedAt ? Math.floor((Date.now() - vm.startedAt) / 1000) : 0,
      };
      if (vm.config.tags) entry.tags = vm.config.tags;
      if (vm.config.lock) entry.lock = vm.config.lock;
      if (vm.config.template === '1') entry.template = 1;
      return entry;
    });
};
