// What the power endpoints share: their task, and qemu-server's vm_start (a boot, or a resume from the state a
// suspend to disk saved), which both status/start and status/resume run.
import type { SimVm } from '../cluster/model.js';
import { applyPending } from '../cluster/vm-config.js';
import { clearSavedState, resumesOnStart } from '../cluster/vmstate.js';
import type { TaskLog } from '../tasks/runner.js';
import type { Call, SimContext } from './context.js';

export function powerTask(
  call: Call,
  vm: SimVm,
  type: string,
  body: (log: TaskLog) => Promise<void>,
): string {
  const { sim, user } = call;
  return sim.tasks.start({
    node: vm.node,
    type,
    id: String(vm.vmid),
    user,
    run: async (log) => {
      // An injected failure leaves the VM as it was, as a failed start or stop does in PVE.
      const injected = sim.faults.takeTaskError(type);
      if (injected) {
        await sim.work(sim.durations.config);
        throw new Error(injected);
      }
      await body(log);
      sim.changed();
    },
  });
}

/** Pending changes apply at a (re)start, and the cloud-init drive is made anew from the config, as PVE does. */
export function applyPendingForBoot(vm: SimVm, log: TaskLog): void {
  applyPending(vm);
  if (Object.values(vm.config).some((v) => v.includes('-cloudinit'))) log.info('generating cloud-init ISO');
}

async function boot(sim: SimContext, vm: SimVm, log: TaskLog): Promise<void> {
  applyPendingForBoot(vm, log);
  await sim.backend.start(vm, log);
  vm.status = 'running';
  vm.paused = undefined;
  vm.startedAt = Date.now();
}

/**
 * vm_start's resume: pending changes wait (the saved machine must match the config), a new process loads the
 * state, then the state volume is freed and the lock and `running*` keys go.
 */
async function resume(sim: SimContext, vm: SimVm, log: TaskLog): Promise<void> {
  log.info('Resuming suspended VM');
  const state = vm.config.vmstate;
  if (state) {
    log.info(`activating and using '${state}' as vmstate`);
    await sim.backend.resumeFromState(vm, state, log);
  } else {
    await sim.backend.start(vm, log);
  }
  vm.status = 'running';
  vm.paused = undefined;
  vm.startedAt = Date.now();
  vm.resumedAt = vm.startedAt;
  log.info('Resumed VM, removing state');
  if (state) await sim.backend.removeState(vm, state);
  delete vm.config.lock;
  clearSavedState(vm.config);
}

/** vm_start inside a task: every refusal (template, locked, already running) is a task error. */
export async function startInTask(call: Call, vm: SimVm, log: TaskLog): Promise<void> {
  const { sim } = call;
  if (sim.cluster.isTemplate(vm)) throw new Error("you can't start a vm if it's a template");
  const lock = vm.config.lock;
  if (lock && lock !== 'suspended' && call.params.skiplock === undefined)
    throw new Error(`VM is locked (${lock})`);
  if (vm.status === 'running') throw new Error(`VM ${vm.vmid} already running`);
  await sim.work(sim.durations.start);
  if (resumesOnStart(vm.config)) await resume(sim, vm, log);
  else await boot(sim, vm, log);
}

export function markStopped(vm: SimVm): void {
  vm.status = 'stopped';
  vm.paused = undefined;
  vm.startedAt = undefined;
}
