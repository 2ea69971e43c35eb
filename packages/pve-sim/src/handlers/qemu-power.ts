import type { SimVm } from '../cluster/model.js';
import { applyPending } from '../cluster/vm-config.js';
import { PveHttpError } from '../errors.js';
import type { TaskLog } from '../tasks/runner.js';
import { type Call, type Handler, num, type SimContext, vmOf } from './context.js';

function powerTask(call: Call, vm: SimVm, type: string, body: (log: TaskLog) => Promise<void>): string {
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
function applyPendingForBoot(vm: SimVm, log: TaskLog): void {
  applyPending(vm);
  if (Object.values(vm.config).some((v) => v.includes('-cloudinit'))) log.info('generating cloud-init ISO');
}

async function boot(sim: SimContext, vm: SimVm, log: TaskLog): Promise<void> {
  applyPendingForBoot(vm, log);
  await sim.backend.start(vm, log);
  vm.status = 'running';
  vm.startedAt = Date.now();
}

function markStopped(vm: SimVm): void {
  vm.status = 'stopped';
  vm.startedAt = undefined;
}

/** Start: every refusal (locked, template, already running) is a task error, as in PVE. */
export const startVm: Handler = (call) => {
  const vm = vmOf(call);
  const { sim } = call;
  return powerTask(call, vm, 'qmstart', async (log) => {
    if (sim.cluster.isTemplate(vm)) throw new Error("you can't start a vm if it's a template");
    if (vm.config.lock && call.params.skiplock === undefined)
      throw new Error(`VM is locked (${vm.config.lock})`);
    if (vm.status === 'running') throw new Error(`VM ${vm.vmid} already running`);
    await sim.work(sim.durations.start);
    await boot(sim, vm, log);
  });
};

/** Stop of a stopped VM is a successful no-op task. */
export const stopVm: Handler = (call) => {
  const vm = vmOf(call);
  const { sim } = call;
  return powerTask(call, vm, 'qmstop', async () => {
    if (vm.config.lock && call.params.skiplock === undefined)
      throw new Error(`VM is locked (${vm.config.lock})`);
    if (vm.status === 'stopped') return;
    await sim.work(sim.durations.stop);
    await sim.backend.stop(vm);
    markStopped(vm);
  });
};

export const shutdownVm: Handler = (call) => {
  const vm = vmOf(call);
  const { sim, params } = call;
  return powerTask(call, vm, 'qmshutdown', async () => {
    if (vm.config.lock && params.skiplock === undefined) throw new Error(`VM is locked (${vm.config.lock})`);
    if (vm.status === 'stopped') return;
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

/** Reboot of a stopped VM is refused at once (500), not as a task. */
export const rebootVm: Handler = (call) => {
  const vm = vmOf(call);
  const { sim } = call;
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
    qmpstatus: vm.status,
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
    status['running-machine'] = 'pc-q35-9.0+pve0';
    status['running-qemu'] = '9.0.2';
  }
  return status;
};
