import type { RunningSimulator } from '@guildserver/pve-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isHibernated,
  ProxmoxApiError,
  type ProxmoxClient,
  parseUpid,
  TaskFailedError,
  VmLockedError,
  VmNotRunningError,
  type VmRef,
} from '../../src/index';
import { clientFor, FAST_WAIT, startSim, VERSIONS } from './sim-client';

const TEMPLATE: VmRef = { node: 'pve', vmid: 9000 };
const MiB = 1024 * 1024;
const DATE = /\d{4}-\d{2}-\d{2}/.source;

describe('isHibernated', () => {
  it('is what makes PVE resume at the next start: a suspended lock, or an unlocked vmstate', () => {
    expect(isHibernated({ lock: 'suspended', vmstate: 'local-lvm:vm-1-state-suspend-2026-04-01' })).toBe(
      true,
    );
    expect(isHibernated({ vmstate: 'local-lvm:vm-1-state-suspend-2026-04-01' })).toBe(true);
    expect(isHibernated({ lock: 'suspending', vmstate: 'local-lvm:vm-1-state-suspend-2026-04-01' })).toBe(
      false,
    );
    expect(isHibernated({ lock: 'suspending' })).toBe(false);
    expect(isHibernated({})).toBe(false);
  });
});

describe.each(VERSIONS)('hibernation against the simulator, PVE %s', (version) => {
  let sim: RunningSimulator;
  let pve: ProxmoxClient;
  let nextId = 400;

  async function runningVm(name: string): Promise<VmRef> {
    const vm: VmRef = { node: 'pve', vmid: nextId++ };
    await pve.waitForTask(await pve.qemu.clone(TEMPLATE, { newid: vm.vmid, name }), FAST_WAIT);
    await pve.waitForTask(await pve.power.start(vm), FAST_WAIT);
    return vm;
  }

  async function hibernate(vm: VmRef, stateStorage?: string): Promise<void> {
    const upid = await pve.power.suspend(vm, { toDisk: true, stateStorage });
    expect(parseUpid(upid)).toMatchObject({ type: 'qmsuspend', id: String(vm.vmid) });
    await pve.waitForTask(upid, FAST_WAIT);
  }

  beforeAll(async () => {
    sim = await startSim(version);
    ({ client: pve } = clientFor(sim));
  });

  afterAll(async () => {
    await pve?.close();
    await sim?.close();
  });

  it('suspends to disk: stopped, locked suspended, the state in a vmstate volume', async () => {
    const vm = await runningVm('gs-hibernate');
    await hibernate(vm);

    const config = await pve.qemu.getConfig(vm);
    expect(config.lock).toBe('suspended');
    expect(config.vmstate).toMatch(new RegExp(`^local-lvm:vm-${vm.vmid}-state-suspend-${DATE}$`));
    expect(config.runningmachine).toBe('pc-q35-9.0+pve0');
    expect(config.runningcpu).toBe(
      'qemu64,+aes,enforce,+kvm_pv_eoi,+kvm_pv_unhalt,+pni,+popcnt,+sse4.1,+sse4.2,+ssse3',
    );
    expect(isHibernated(config)).toBe(true);
    expect(await pve.qemu.status(vm)).toMatchObject({
      status: 'stopped',
      qmpstatus: 'stopped',
      lock: 'suspended',
    });

    // PVE allocates twice the memory plus 500 MiB for the state (the template has 2048 MiB).
    const volumes = await pve.storage.content('pve', 'local-lvm', { vmid: vm.vmid });
    expect(volumes.find((v) => v.volid === config.vmstate)).toMatchObject({ size: (2 * 2048 + 500) * MiB });
  });

  it('refuses config changes and snapshots while hibernated; stop leaves it hibernated', async () => {
    const vm = await runningVm('gs-hib-locked');
    await hibernate(vm);

    const refused = await pve.qemu.updateConfig(vm, { cores: 4 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(VmLockedError);
    expect((refused as VmLockedError).lock).toBe('suspended');
    const snapshot = await pve.snapshot.create(vm, 'before').catch((e: unknown) => e);
    expect(snapshot).toBeInstanceOf(VmLockedError);

    // qemu-server's stop returns before its lock check when the VM is not running.
    await pve.waitForTask(await pve.power.stop(vm), FAST_WAIT);
    expect(isHibernated(await pve.qemu.getConfig(vm))).toBe(true);
  });

  it('start resumes: the state volume, lock and running* keys go, the guest is up at once', async () => {
    const vm = await runningVm('gs-hib-resume');
    await hibernate(vm);
    const { vmstate } = await pve.qemu.getConfig(vm);

    const upid = await pve.power.start(vm);
    await pve.waitForTask(upid, FAST_WAIT);
    const log = (await pve.tasks.log(upid)).lines.map((l) => l.t);
    expect(log).toEqual(
      expect.arrayContaining([
        'Resuming suspended VM',
        `activating and using '${vmstate}' as vmstate`,
        'Resumed VM, removing state',
      ]),
    );

    const config = await pve.qemu.getConfig(vm);
    for (const key of ['lock', 'vmstate', 'runningmachine', 'runningcpu'])
      expect(config[key]).toBeUndefined();
    expect(isHibernated(config)).toBe(false);
    expect(await pve.qemu.status(vm)).toMatchObject({ status: 'running', qmpstatus: 'running' });
    expect(
      (await pve.storage.content('pve', 'local-lvm', { vmid: vm.vmid })).map((v) => v.volid),
    ).not.toContain(vmstate);
    // The guest did not boot again: its agent and address are there at once.
    await expect(pve.waitForIpv4(vm, { intervalMs: 10, timeoutMs: 1_000 })).resolves.toMatchObject({
      interface: 'eth0',
    });
  });

  it('resume of a hibernated VM starts it; the state can go to another storage', async () => {
    const vm = await runningVm('gs-hib-local');
    await hibernate(vm, 'local');
    expect((await pve.qemu.getConfig(vm)).vmstate).toMatch(
      new RegExp(`^local:${vm.vmid}/vm-${vm.vmid}-state-suspend-${DATE}\\.raw$`),
    );
    const upid = await pve.power.resume(vm);
    expect(parseUpid(upid).type).toBe('qmresume');
    await pve.waitForTask(upid, FAST_WAIT);
    expect((await pve.qemu.status(vm)).status).toBe('running');
    expect((await pve.qemu.getConfig(vm)).vmstate).toBeUndefined();
  });

  it('deleting vmstate discards the saved state: the next start boots', async () => {
    const vm = await runningVm('gs-hib-discard');
    await hibernate(vm);
    await pve.qemu.updateConfig(vm, { delete: ['vmstate'] });
    const config = await pve.qemu.getConfig(vm);
    for (const key of ['lock', 'vmstate', 'runningmachine', 'runningcpu'])
      expect(config[key]).toBeUndefined();
    const upid = await pve.power.start(vm);
    await pve.waitForTask(upid, FAST_WAIT);
    expect((await pve.tasks.log(upid)).lines.map((l) => l.t)).not.toContain('Resuming suspended VM');
  });

  it('a hibernated VM can be destroyed without skiplock', async () => {
    const vm = await runningVm('gs-hib-destroy');
    await hibernate(vm);
    await pve.waitForTask(await pve.qemu.delete(vm, { purge: true }), FAST_WAIT);
    expect((await pve.storage.content('pve', 'local-lvm', { vmid: vm.vmid })).length).toBe(0);
  });

  it('refuses to suspend a stopped VM with a 500 (vm_not_running)', async () => {
    const vm: VmRef = { node: 'pve', vmid: nextId++ };
    await pve.waitForTask(await pve.qemu.clone(TEMPLATE, { newid: vm.vmid, name: 'gs-hib-off' }), FAST_WAIT);
    const error = await pve.power.suspend(vm, { toDisk: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VmNotRunningError);
    expect((error as VmNotRunningError).status).toBe(500);
    expect((error as Error).message).toContain(`VM ${vm.vmid} not running`);
  });

  it('a failed save leaves the VM running, locked suspending, without a state volume', async () => {
    const vm = await runningVm('gs-hib-fail');
    sim.faults.taskError({ type: 'qmsuspend', message: 'savevm failed: No space left on device' });
    try {
      const error = await pve
        .waitForTask(await pve.power.suspend(vm, { toDisk: true }), FAST_WAIT)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskFailedError);
    } finally {
      sim.faults.clear();
    }
    const config = await pve.qemu.getConfig(vm);
    expect(config.lock).toBe('suspending');
    expect(config.vmstate).toBeUndefined();
    expect(isHibernated(config)).toBe(false);
    expect((await pve.qemu.status(vm)).status).toBe('running');
    const again = await pve.power.suspend(vm, { toDisk: true });
    await expect(pve.waitForTask(again, FAST_WAIT)).rejects.toThrow('VM is locked (suspending)');
  });

  it('pauses without todisk: still running, qmpstatus paused; shutdown refused; resume continues', async () => {
    const vm = await runningVm('gs-pause');
    const upid = await pve.power.suspend(vm);
    expect(parseUpid(upid).type).toBe('qmpause');
    await pve.waitForTask(upid, FAST_WAIT);
    expect(await pve.qemu.status(vm)).toMatchObject({ status: 'running', qmpstatus: 'paused' });
    expect((await pve.qemu.getConfig(vm)).lock).toBeUndefined();

    const shutdown = await pve.power.shutdown(vm).catch((e: unknown) => e);
    expect(shutdown).toBeInstanceOf(ProxmoxApiError);
    expect((shutdown as Error).message).toContain('VM is paused - cannot shutdown');

    await pve.waitForTask(await pve.power.resume(vm), FAST_WAIT);
    expect(await pve.qemu.status(vm)).toMatchObject({ status: 'running', qmpstatus: 'running' });
  });

  it('sent nothing any PVE version rejects', async () => {
    await sim.settle();
    expect(sim.schemaViolations).toEqual([]);
  });
});
