// status/suspend and status/resume (qemu-server: API2::Qemu vm_suspend and vm_resume, RunState::vm_suspend and
// vm_resume). Suspend pauses the vCPUs; with `todisk` it hibernates: the state goes to a `vmstate` volume, the
// VM stops, locked `suspended`, and its next start (or resume) carries on from that state.
import type { SimVm } from '../cluster/model.js';
import {
  clearSavedState,
  runningCpu,
  runningMachine,
  runningNetsHostMtu,
  vmstateStorage,
  vmstateVolume,
} from '../cluster/vmstate.js';
import { PveHttpError } from '../errors.js';
import type { TaskLog } from '../tasks/runner.js';
import { type Call, flag, type Handler, str, vmOf } from './context.js';
import { markStopped, powerTask, startInTask } from './power-task.js';

/** QemuMigrate::Helpers::check_non_migratable_resources with state: what cannot be saved and loaded again. */
function stateBlockers(config: Record<string, string>): string[] {
  const blockers: string[] = [];
  if (config['amd-sev']) blockers.push('amd-sev');
  if (config['intel-tdx']) blockers.push('intel-tdx');
  if (Object.keys(config).some((key) => /^virtiofs\d+$/.test(key))) blockers.push('virtiofs');
  return blockers;
}

/** The lock check both kinds of suspend make: skipped with `skiplock`, and a backup's lock does not count. */
function checkLock(call: Call, vm: SimVm): void {
  const lock = vm.config.lock;
  if (lock && lock !== 'backup' && !flag(call.params, 'skiplock')) throw new Error(`VM is locked (${lock})`);
}

function storageFor(call: Call, vm: SimVm) {
  const { sim, params } = call;
  const id = str(params, 'statestorage') ?? vmstateStorage(sim.cluster, vm.config);
  const storage = sim.cluster.storage(id);
  if (!storage) throw new Error(`storage '${id}' does not exist`);
  if (!storage.nodes.includes(vm.node))
    throw new Error(`storage '${id}' is not available on node '${vm.node}'`);
  return storage;
}

/**
 * RunState::vm_suspend with state: locked `suspending` while the state is saved, `suspended` once the process
 * has quit. A failed save frees the state volume but leaves the `suspending` lock, to show something went
 * wrong; the VM runs on.
 */
async function hibernate(call: Call, vm: SimVm, log: TaskLog): Promise<void> {
  const { sim } = call;
  if (vm.status !== 'running') throw new Error(`VM ${vm.vmid} not running`);
  checkLock(call, vm);
  if (vm.config.lock === 'backup') throw new Error('cannot suspend to disk during backup');
  const blockers = stateBlockers(vm.config);
  if (blockers.length > 0)
    throw new Error(
      `Cannot live-migrate, snapshot (with RAM), or hibernate a VM with: ${blockers.join(', ')}`,
    );
  const volid = vmstateVolume(storageFor(call, vm), vm.vmid, new Date());
  vm.config.lock = 'suspending';
  vm.config.vmstate = volid;
  vm.config.runningmachine = runningMachine(vm.config);
  vm.config.runningcpu = runningCpu(vm.config);
  const mtu = runningNetsHostMtu(vm.config);
  if (sim.version === '9.1' && mtu !== undefined) vm.config['running-nets-host-mtu'] = mtu;
  sim.changed();
  try {
    await sim.work(sim.durations.hibernate);
    const injected = sim.faults.takeTaskError('qmsuspend');
    if (injected) throw new Error(injected);
    await sim.backend.hibernate(vm, volid, log);
  } catch (error) {
    await sim.backend.removeState(vm, volid).catch(() => {});
    clearSavedState(vm.config);
    sim.changed();
    throw error;
  }
  log.info('State saved, quitting');
  vm.config.lock = 'suspended';
  markStopped(vm);
}

/** RunState::vm_suspend without state: QMP `stop`; the VM stays `running`, its qmpstatus `paused`. */
async function pause(call: Call, vm: SimVm): Promise<void> {
  const { sim } = call;
  if (vm.status !== 'running') throw new Error(`VM ${vm.vmid} not running`);
  checkLock(call, vm);
  await sim.work(sim.durations.config);
  await sim.backend.pause(vm);
  vm.paused = true;
}

/** POST …/status/suspend: refused at once (500) unless the VM runs; a `qmsuspend` (todisk) or `qmpause` task. */
export const suspendVm: Handler = (call) => {
  const vm = vmOf(call);
  const toDisk = flag(call.params, 'todisk');
  if (vm.status !== 'running') throw new PveHttpError(500, `VM ${vm.vmid} not running`);
  if (!toDisk) return powerTask(call, vm, 'qmpause', () => pause(call, vm));
  if (Object.keys(vm.config).some((key) => /^hostpci\d+$/.test(key)))
    throw new PveHttpError(
      500,
      'cannot suspend VM to disk due to passed-through PCI device(s), which lack the possibility to save/restore their internal state',
    );
  const { sim, user } = call;
  // Not a powerTask: an injected failure strikes while the state is saved, where PVE's hibernations fail.
  return sim.tasks.start({
    node: vm.node,
    type: 'qmsuspend',
    id: String(vm.vmid),
    user,
    run: async (log) => {
      await hibernate(call, vm, log);
      sim.changed();
    },
  });
};

/**
 * POST …/status/resume: a `qmresume` task. A hibernated VM (`lock: suspended`) is started as status/start
 * would; a paused one continues (`cont`); a running one is left as it is. Refused at once (500) when the VM is
 * neither hibernated nor running.
 */
export const resumeVm: Handler = (call) => {
  const vm = vmOf(call);
  const { sim } = call;
  const hibernated = vm.config.lock === 'suspended';
  if (!hibernated && vm.status !== 'running') throw new PveHttpError(500, `VM ${vm.vmid} not running`);
  return powerTask(call, vm, 'qmresume', async (log) => {
    if (hibernated) return startInTask(call, vm, log);
    if (vm.status !== 'running') throw new Error(`VM ${vm.vmid} not running`);
    if (sim.cluster.isTemplate(vm)) throw new Error(`VM ${vm.vmid} is a template and cannot be resumed!`);
    if (!vm.paused) return;
    checkLock(call, vm);
    await sim.work(sim.durations.config);
    await sim.backend.unpause(vm);
    vm.paused = undefined;
  });
};
