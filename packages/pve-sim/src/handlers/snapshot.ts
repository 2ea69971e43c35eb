import type { SimVm } from '../cluster/model.js';
import { disksOf } from '../cluster/vm-config.js';
import { PveHttpError } from '../errors.js';
import type { TaskLog } from '../tasks/runner.js';
import { type Call, flag, type Handler, str, vmOf } from './context.js';

/** Runs a snapshot operation as a task holding the VM's config lock, as PVE does. */
function lockedTask(
  call: Call,
  vm: SimVm,
  type: string,
  lock: string,
  body: (log: TaskLog) => Promise<void>,
): string {
  const { sim, user } = call;
  sim.cluster.assertUnlocked(vm);
  return sim.tasks.start({
    node: vm.node,
    type,
    id: String(vm.vmid),
    user,
    run: async (log) => {
      if (vm.config.lock) throw new Error(`VM is locked (${vm.config.lock})`);
      vm.config.lock = lock;
      sim.changed();
      try {
        await sim.work(sim.durations.snapshot);
        const injected = sim.faults.takeTaskError(type);
        if (injected) throw new Error(injected);
        await body(log);
      } finally {
        delete vm.config.lock;
        sim.changed();
      }
    },
  });
}

const currentParent = (vm: SimVm) => vm.config.parent;

export const listSnapshots: Handler = (call) => {
  const vm = vmOf(call);
  const list: Record<string, unknown>[] = vm.snapshots.map((s) => ({
    name: s.name,
    description: s.description,
    snaptime: s.snaptime,
    vmstate: s.vmstate ? 1 : 0,
    ...(s.parent ? { parent: s.parent } : {}),
  }));
  list.push({
    name: 'current',
    description: 'You are here!',
    running: vm.status === 'running' ? 1 : 0,
    ...(currentParent(vm) ? { parent: currentParent(vm) } : {}),
  });
  return list;
};

export const createSnapshot: Handler = (call) => {
  const vm = vmOf(call);
  const name = str(call.params, 'snapname')!;
  if (vm.snapshots.some((s) => s.name === name))
    throw new PveHttpError(500, `snapshot name '${name}' already used`);
  const unsupported = disksOf(vm.config).find(
    (d) => !d.isCloudInit && call.sim.cluster.storage(d.storage)?.type === 'lvm',
  );
  if (unsupported) throw new PveHttpError(500, 'snapshot feature is not available');
  return lockedTask(call, vm, 'qmsnapshot', 'snapshot', async (log) => {
    for (const disk of disksOf(vm.config).filter((d) => !d.isCloudInit))
      log.info(`snapshotting 'drive-${disk.key}'`);
    const { lock: _lock, parent: _parent, ...config } = vm.config;
    vm.snapshots.push({
      name,
      description: str(call.params, 'description') ?? '',
      snaptime: Math.floor(Date.now() / 1000),
      vmstate: flag(call.params, 'vmstate'),
      config,
      ...(vm.config.parent ? { parent: vm.config.parent } : {}),
    });
    vm.config.parent = name;
  });
};

function snapshotOf(call: Call, vm: SimVm) {
  const name = str(call.params, 'snapname')!;
  const snapshot = vm.snapshots.find((s) => s.name === name);
  if (!snapshot) throw new PveHttpError(500, `snapshot '${name}' does not exist`);
  return snapshot;
}

export const rollbackSnapshot: Handler = (call) => {
  const vm = vmOf(call);
  const snapshot = snapshotOf(call, vm);
  return lockedTask(call, vm, 'qmrollback', 'rollback', async () => {
    vm.config = { ...snapshot.config, parent: snapshot.name };
    vm.pending = {};
    vm.pendingDelete = [];
    if (!snapshot.vmstate) {
      vm.status = 'stopped';
      vm.startedAt = undefined;
    }
    if (flag(call.params, 'start')) {
      vm.status = 'running';
      vm.startedAt = Date.now();
    }
  });
};

export const deleteSnapshot: Handler = (call) => {
  const vm = vmOf(call);
  const snapshot = snapshotOf(call, vm);
  return lockedTask(call, vm, 'qmdelsnapshot', 'snapshot-delete', async () => {
    vm.snapshots = vm.snapshots.filter((s) => s !== snapshot);
    for (const child of vm.snapshots) if (child.parent === snapshot.name) child.parent = snapshot.parent;
    if (vm.config.parent === snapshot.name) {
      if (snapshot.parent) vm.config.parent = snapshot.parent;
      else delete vm.config.parent;
    }
  });
};

export const snapshotConfig: Handler = (call) => {
  const vm = vmOf(call);
  return snapshotOf(call, vm).config;
};
