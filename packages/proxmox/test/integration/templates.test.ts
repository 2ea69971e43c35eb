import type { RunningSimulator } from '@guildserver/pve-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ProxmoxApiError,
  type ProxmoxClient,
  parseUpid,
  TaskFailedError,
  VmLockedError,
  type VmRef,
} from '../../src/index';
import { clientFor, FAST_WAIT, startSim, VERSIONS } from './sim-client';

const TEMPLATE: VmRef = { node: 'pve', vmid: 9000 };

describe.each(VERSIONS)('templates against the simulator, PVE %s', (version) => {
  let sim: RunningSimulator;
  let pve: ProxmoxClient;

  beforeAll(async () => {
    sim = await startSim(version);
    ({ client: pve } = clientFor(sim));
  });

  afterAll(async () => {
    await pve?.close();
    await sim?.close();
  });

  async function clone(from: VmRef, newid: number, full: boolean): Promise<VmRef> {
    await pve.waitForTask(await pve.qemu.clone(from, { newid, name: `gs-${newid}`, full }), FAST_WAIT);
    return { node: 'pve', vmid: newid };
  }

  it('converts a VM into a template (UPID of a qmtemplate task), then refuses a second conversion', async () => {
    const image = await clone(TEMPLATE, 500, true);
    const upid = await pve.qemu.convertToTemplate(image);
    expect(parseUpid(upid)).toMatchObject({ node: 'pve', type: 'qmtemplate', id: '500' });
    await pve.waitForTask(upid, FAST_WAIT);
    const config = await pve.qemu.getConfig(image);
    expect(config.template).toBe(1);
    expect(config.scsi0).toMatch(/^local-lvm:base-500-disk-0,/);

    const again = await pve.qemu.convertToTemplate(image).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ProxmoxApiError);
    expect((again as ProxmoxApiError).status).toBe(500);
    expect((again as Error).message).toContain("you can't convert a template to a template");
  });

  it('is refused while the VM runs or is locked', async () => {
    const vm = await clone(TEMPLATE, 510, false);
    await pve.waitForTask(await pve.power.start(vm), FAST_WAIT);
    const running = await pve.qemu.convertToTemplate(vm).catch((e: unknown) => e);
    expect((running as Error).message).toContain("you can't convert a VM to template if VM is running");
    await pve.waitForTask(await pve.power.stop(vm), FAST_WAIT);

    const cloning = await pve.qemu.clone(TEMPLATE, { newid: 511, name: 'gs-511' });
    const locked = await pve.qemu.convertToTemplate({ node: 'pve', vmid: 511 }).catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(VmLockedError);
    await pve.waitForTask(cloning, FAST_WAIT);
    expect((await pve.qemu.getConfig({ node: 'pve', vmid: 511 })).template).toBeUndefined();
  });

  it('cannot delete a template while a linked clone uses it; can once the clone is gone', async () => {
    const image = await clone(TEMPLATE, 520, true);
    await pve.waitForTask(await pve.qemu.convertToTemplate(image), FAST_WAIT);
    const child = await clone(image, 521, false);
    const refused = await pve.waitForTask(await pve.qemu.delete(image), FAST_WAIT).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TaskFailedError);
    expect((refused as TaskFailedError).exitstatus).toBe(
      "base volume 'local-lvm:base-520-disk-0' is still in use by linked cloned",
    );
    await pve.waitForTask(await pve.qemu.delete(child, { purge: true }), FAST_WAIT);
    await pve.waitForTask(await pve.qemu.delete(image, { purge: true }), FAST_WAIT);
    expect((await pve.cluster.resources('vm')).some((r) => r.vmid === 520)).toBe(false);
  });

  it('sent nothing any PVE version rejects', async () => {
    await sim.settle();
    expect(sim.schemaViolations).toEqual([]);
  });
});
