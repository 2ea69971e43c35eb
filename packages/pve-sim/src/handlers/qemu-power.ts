import { runningMachine } from '../cluster/vmstate.js';
import { PveHttpError } from '../errors.js';
import { type Handler, num, vmOf } from './context.js';
import { applyPendingForBoot, markStopped, powerTask, startInTask } from './power-task.js';

/**
 * Start: every refusal (locked, template, already running) is a task error, as in PVE. A hibernated VM
 * (`lock: suspended`, a `vmstate`) resumes from its saved state.
 */
export const startVm: Handler = (call) => {
  const vm = vmOf(call);
  return powerTask(call, vm, 'qmstart', (log) => startInTask(call, vm, log));
};

/**
 * Stop of a stopped VM is a successful no-op task, locked or not (qemu-server's _do_vm_stop returns before it
 * checks the lock): a hibernated VM stays hibernated.
 */
export const stopVm: Handler = (call) => {
  const vm = vmOf(call);
  const { sim } = call;
  return powerTask(call, vm, 'qmstop', async () => {
    if (vm.status === 'stopped') return;
    if (vm.config.lock && call.params.skiplock === undefined)
      throw new Error(`VM is locked (${vm.config.lock})`);
    await sim.work(sim.durations.stop);
    await sim.backend.stop(vm);
    markStopped(vm);
  });
};

/**
 * Shutdown: a paused VM would only get the request once resumed, so PVE refuses it (500), or stops it hard with
 * `forceStop`. Shutdown of a stopped VM is a no-op, as stop's is.
 */
export const shutdownVm: Handler = (call) => {
  const vm = vmOf(call);
  const { sim, params } = call;
  const paused = vm.status === 'running' && vm.paused === true;
  if (paused && params.forceStop !== 1) throw new PveHttpError(500, 'VM is paused - cannot shutdown');
  return powerTask(call, vm, 'qmshutdown', async () => {
    if (vm.status === 'stopped') return;
    if (vm.config.lock && params.skiplock === undefined) throw new Error(`VM is locked (${vm.config.lock})`);
    if (paused) {
      await sim.work(sim.durations.stop);
      await sim.backend.stop(vm);
      markStopped(vm);
      return;
    }
    const timeoutMs = (num(params, 'timeout') ?? 60) * 1000;
    const timedOut = () => {
      if (params.forceStop !== 1) throw new Error('VM quit/powerdown failed - got timeout');
    };
    if (sim.backend.kind !== 'simulated') {
      if (!(await sim.backend.shutdown(vm, timeoutMs))) {
        timedOut();
        await sim.backend.stop(vm);
      }
    } else if (sim.faults.isAgentSilent(vm.vmid) || sim.durations.shutdown > timeoutMs) {
      // A guest that ignores ACPI (its agent and services dead) never powers off by itself.
      await sim.work(Math.min(timeoutMs, sim.durations.shutdown));
      timedOut();
    } else {
      await sim.work(sim.durations.shutdown);
    }
    markStopped(vm);
  });
};

/** Reboot of a stopped or paused VM is refused at once (500), not as a task. */
export const rebootVm: Handler = (call) => {
  const vm = vmOf(call);
  const { sim } = call;
  if (vm.status === 'running' && vm.paused) throw new PveHttpError(500, 'VM is paused - cannot shutdown');
  if (vm.status !== 'running') throw new PveHttpError(500, `VM ${vm.vmid} not running`);
  return powerTask(call, vm, 'qmreboot', async (log) => {
    if (vm.config.lock) throw new Error(`VM is locked (${vm.config.lock})`);
    await sim.work(sim.durations.reboot);
    applyPendingForBoot(vm, log);
    await sim.backend.reboot(vm, log);
    vm.startedAt = Date.now();
  });
};

export const resetVm: Handler = (call) => {
  const vm = vmOf(call);
  const { sim } = call;
  if (vm.status !== 'running') throw new PveHttpError(500, `VM ${vm.vmid} not running`);
  return powerTask(call, vm, 'qmreset', async () => {
    await sim.work(sim.durations.start);
    await sim.backend.reset(vm);
    vm.startedAt = Date.now();
  });
};

export const currentStatus: Handler = (call) => {
  const vm = vmOf(call);
  const running = vm.status === 'running';
  const maxmem = Number(/(\d+)/.exec(vm.config.memory ?? '512')?.[1] ?? 512) * 1024 * 1024;
  const status: Record<string, unknown> = {
    vmid: vm.vmid,
    name: vm.config.name,
    status: vm.status,
    qmpstatus: running && vm.paused ? 'paused' : vm.status,
    uptime: running && vm.startedAt ? Math.floor((Date.now() - vm.startedAt) / 1000) : 0,
    cpus: Number(vm.config.cores ?? 1) * Number(vm.config.sockets ?? 1),
    cpu: running ? 0.02 : 0,
    maxmem,
    mem: running ? Math.floor(maxmem * 0.35) : 0,
    maxdisk: 0,
    disk: 0,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
    ha: { managed: 0 },
    agent: vm.config.agent && !/^(0|enabled=0)/.test(vm.config.agent) ? 1 : 0,
  };
  if (vm.config.lock) status.lock = vm.config.lock;
  if (vm.config.tags) status.tags = vm.config.tags;
  if (vm.config.template === '1') status.template = 1;
  if (running) {
    status.pid = 10_000 + vm.vmid;
    status['running-machine'] = runningMachine(vm.config);
    status['running-qemu'] = '9.0.2';
  }
  return status;
};
