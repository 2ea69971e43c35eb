import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../src/index.js';
import type { PveVersion } from '../src/schema/index.js';
import { type RawCall, rawClient, waitTask } from './support/raw-client.js';
import { returnProblems } from './support/returns.js';

const VERSIONS: PveVersion[] = ['7.4', '8.4', '9.1'];
/** Our own client's User-Agent: the simulator then checks every request against all three schemas. */
const AS_OWN_CLIENT = { headers: { 'user-agent': 'guildserver-proxmox/0.0.0-test' } };
/** For requests meant to be refused: not checked against the other versions' schemas. */
const AS_OTHER_CLIENT = { headers: {} };
const MiB = 1024 * 1024;

let sim: RunningSimulator | undefined;
afterEach(async () => {
  const violations = sim?.schemaViolations ?? [];
  await sim?.close();
  sim = undefined;
  expect(violations).toEqual([]);
});

async function start(version: PveVersion = '9.1'): Promise<RawCall> {
  sim = await startSimulator({
    pveVersion: version,
    profile: 'fast',
    authFailureDelayMs: 10,
    crossCheckVersions: VERSIONS.filter((v) => v !== version),
  });
  return rawClient(sim.url, AS_OWN_CLIENT);
}

async function ok(call: RawCall, method: string, path: string, params: Record<string, unknown> = {}) {
  const answer = await call(method, path, params);
  expect(answer.status, JSON.stringify(answer)).toBe(200);
  return answer.body.data;
}

async function runTask(call: RawCall, method: string, path: string, params: Record<string, unknown> = {}) {
  const upid = (await ok(call, method, path, params)) as string;
  return { upid, ...(await waitTask(call, upid)) };
}

/** GET that must answer 200 with data matching the endpoint's `returns` schema in this version. */
async function read(call: RawCall, path: string, params: Record<string, unknown> = {}) {
  const data = await ok(call, 'GET', path, params);
  expect(returnProblems(sim!.version, 'GET', path, data)).toEqual([]);
  return data as Record<string, unknown>;
}

async function runningVm(call: RawCall, vmid: number, extra: Record<string, unknown> = {}): Promise<string> {
  expect((await runTask(call, 'POST', '/nodes/pve/qemu/9000/clone', { newid: vmid })).exitstatus).toBe('OK');
  if (Object.keys(extra).length > 0) await ok(call, 'PUT', `/nodes/pve/qemu/${vmid}/config`, extra);
  expect((await runTask(call, 'POST', `/nodes/pve/qemu/${vmid}/status/start`)).exitstatus).toBe('OK');
  return `/nodes/pve/qemu/${vmid}`;
}

async function taskLog(call: RawCall, upid: string): Promise<string[]> {
  const lines = (await ok(call, 'GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/log`)) as {
    t: string;
  }[];
  return lines.map((l) => l.t);
}

describe.each(VERSIONS)('suspend to disk, PVE %s', (version) => {
  it('is a qmsuspend task: locked suspending meanwhile, then stopped and suspended with the vmstate', async () => {
    const call = await start(version);
    const vm = await runningVm(call, 601, { net0: 'virtio,bridge=vmbr0,mtu=1' });
    sim!.faults.slowTasks(10);
    const upid = (await ok(call, 'POST', `${vm}/status/suspend`, { todisk: 1 })) as string;
    expect(upid).toMatch(/:qmsuspend:601:/);
    const during = await read(call, `${vm}/config`);
    expect(during.lock).toBe('suspending');
    expect((await read(call, `${vm}/status/current`)).status).toBe('running');
    expect((await waitTask(call, upid)).exitstatus).toBe('OK');
    sim!.faults.clear();
    expect(await taskLog(call, upid)).toEqual(['State saved, quitting', 'TASK OK']);

    const config = await read(call, `${vm}/config`);
    expect(config).toMatchObject({ lock: 'suspended', runningmachine: 'pc-q35-9.0+pve0' });
    expect(config.vmstate).toMatch(/^local-lvm:vm-601-state-suspend-\d{4}-\d{2}-\d{2}$/);
    expect(config.runningcpu).toBe(
      'qemu64,+aes,enforce,+kvm_pv_eoi,+kvm_pv_unhalt,+pni,+popcnt,+sse4.1,+sse4.2,+ssse3',
    );
    expect(config['running-nets-host-mtu']).toBe(version === '9.1' ? 'net0=1500' : undefined);
    expect(await read(call, `${vm}/status/current`)).toMatchObject({
      status: 'stopped',
      qmpstatus: 'stopped',
      lock: 'suspended',
    });
    const resources = (await read(call, '/cluster/resources', { type: 'vm' })) as unknown as {
      vmid: number;
      lock?: string;
    }[];
    expect(resources.find((r) => r.vmid === 601)?.lock).toBe('suspended');
    const content = (await read(call, '/nodes/pve/storage/local-lvm/content', {
      vmid: 601,
    })) as unknown as Record<string, unknown>[];
    expect(content.find((v) => v.volid === config.vmstate)).toMatchObject({
      content: 'images',
      format: 'raw',
      size: (2 * 2048 + 500) * MiB,
      vmid: 601,
    });
  });
});

describe('suspend refusals', () => {
  it('refuses a stopped VM at once with a 500, and checks the parameters against the schema', async () => {
    const call = await start('9.1');
    expect((await runTask(call, 'POST', '/nodes/pve/qemu/9000/clone', { newid: 602 })).exitstatus).toBe('OK');
    const stopped = await call('POST', '/nodes/pve/qemu/602/status/suspend', { todisk: 1 });
    expect([stopped.status, stopped.reason]).toEqual([500, 'VM 602 not running']);
    expect(stopped.body.message).toBe('VM 602 not running\n');
    const resume = await call('POST', '/nodes/pve/qemu/602/status/resume');
    expect([resume.status, resume.reason]).toEqual([500, 'VM 602 not running']);

    const refused = async (params: Record<string, unknown>) => {
      const answer = await call('POST', '/nodes/pve/qemu/602/status/suspend', params, AS_OTHER_CLIENT);
      expect(answer.status).toBe(400);
      return answer.body.errors;
    };
    expect(await refused({ statestorage: 'local-lvm' })).toEqual({
      todisk: "missing property required by 'statestorage'",
    });
    expect(await refused({ todisk: 'yes' })).toEqual({ todisk: "type check ('boolean') failed - got 'yes'" });
    expect(Object.keys((await refused({ todisk: 1, statestorage: 'no such!' })) ?? {})).toEqual([
      'statestorage',
    ]);
    expect(await refused({ tostate: 1 })).toEqual({
      tostate: 'property is not defined in schema and the schema does not allow additional properties',
    });
  });

  it('fails the task on a locked VM, and during a backup with PVE wording', async () => {
    const call = await start('9.1');
    const vm = await runningVm(call, 603);
    sim!.faults.slowTasks(20);
    const snapshot = (await ok(call, 'POST', `${vm}/snapshot`, { snapname: 'first' })) as string;
    const locked = await runTask(call, 'POST', `${vm}/status/suspend`, { todisk: 1 });
    expect(locked.exitstatus).toBe('VM is locked (snapshot)');
    await waitTask(call, snapshot);

    const backup = (await ok(call, 'POST', '/nodes/pve/vzdump', { vmid: 603, storage: 'local' })) as string;
    const duringBackup = await runTask(call, 'POST', `${vm}/status/suspend`, { todisk: 1 });
    expect(duringBackup.exitstatus).toBe('cannot suspend to disk during backup');
    // A pause is allowed during a backup.
    expect((await runTask(call, 'POST', `${vm}/status/suspend`)).exitstatus).toBe('OK');
    await waitTask(call, backup);
    sim!.faults.clear();
    expect((await read(call, `${vm}/status/current`)).qmpstatus).toBe('paused');
  });

  it('refuses passed-through PCI devices at once', async () => {
    const call = await start('9.1');
    const vm = await runningVm(call, 604, { hostpci0: '0000:01:00.0' });
    const answer = await call('POST', `${vm}/status/suspend`, { todisk: 1 });
    expect([answer.status, answer.reason]).toEqual([
      500,
      'cannot suspend VM to disk due to passed-through PCI device(s), which lack the possibility to save/restore their internal state',
    ]);
  });

  it('fails the task for a state storage that does not exist, before anything is locked', async () => {
    const call = await start('9.1');
    const vm = await runningVm(call, 605);
    const failed = await runTask(call, 'POST', `${vm}/status/suspend`, {
      todisk: 1,
      statestorage: 'nfs-state',
    });
    expect(failed.exitstatus).toBe("storage 'nfs-state' does not exist");
    const config = await read(call, `${vm}/config`);
    expect(config.lock).toBeUndefined();
    expect(config.vmstate).toBeUndefined();
    expect((await read(call, `${vm}/status/current`)).status).toBe('running');
  });
});

describe('a hibernated VM', () => {
  async function hibernated(call: RawCall, vmid: number): Promise<string> {
    const vm = await runningVm(call, vmid);
    expect((await runTask(call, 'POST', `${vm}/status/suspend`, { todisk: 1 })).exitstatus).toBe('OK');
    return vm;
  }

  it("refuses what PVE's lock check refuses, and allows what it lets through", async () => {
    const call = await start('9.1');
    const vm = await hibernated(call, 611);
    const refusals: [string, string, Record<string, unknown>][] = [
      ['PUT', `${vm}/config`, { cores: 4 }],
      ['POST', `${vm}/config`, { memory: 4096 }],
      ['POST', `${vm}/snapshot`, { snapname: 'never' }],
      ['POST', `${vm}/template`, {}],
    ];
    for (const [method, path, params] of refusals) {
      const answer = await call(method, path, params);
      expect([path, answer.status, answer.reason]).toEqual([path, 500, 'VM is locked (suspended)']);
    }
    const resize = await runTask(call, 'PUT', `${vm}/resize`, { disk: 'scsi0', size: '+1G' });
    expect(resize.exitstatus).toBe('VM is locked (suspended)');
    const backup = await runTask(call, 'POST', '/nodes/pve/vzdump', { vmid: 611, storage: 'local' });
    expect(backup.exitstatus).toBe('job errors');
    expect(await taskLog(call, backup.upid)).toContain(
      'ERROR: Backup of VM 611 failed - VM is locked (suspended)',
    );
    // Stop and shutdown of a VM that does not run are no-ops, before any lock check.
    expect((await runTask(call, 'POST', `${vm}/status/stop`)).exitstatus).toBe('OK');
    expect((await runTask(call, 'POST', `${vm}/status/shutdown`)).exitstatus).toBe('OK');
    expect((await call('POST', `${vm}/status/reboot`)).reason).toBe('VM 611 not running');
    expect((await read(call, `${vm}/config`)).lock).toBe('suspended');

    const destroyed = await runTask(call, 'DELETE', vm);
    expect(destroyed.exitstatus).toBe('OK');
    expect((await taskLog(call, destroyed.upid)).join('\n')).toMatch(/local-lvm:vm-611-state-suspend-/);
  });

  it('resumes on start: pending changes wait, the state goes, the agent answers at once', async () => {
    const call = await start('9.1');
    const vm = await runningVm(call, 612);
    await ok(call, 'PUT', `${vm}/config`, { cores: 4 });
    expect((await runTask(call, 'POST', `${vm}/status/suspend`, { todisk: 1 })).exitstatus).toBe('OK');
    const { vmstate } = await read(call, `${vm}/config`);
    const started = await runTask(call, 'POST', `${vm}/status/start`);
    expect(started.exitstatus).toBe('OK');
    expect(await taskLog(call, started.upid)).toEqual([
      'Resuming suspended VM',
      `activating and using '${vmstate}' as vmstate`,
      'Resumed VM, removing state',
      'TASK OK',
    ]);
    const config = await read(call, `${vm}/config`);
    for (const key of ['lock', 'vmstate', 'runningmachine', 'runningcpu', 'running-nets-host-mtu'])
      expect(config[key]).toBeUndefined();
    expect(await read(call, `${vm}/status/current`)).toMatchObject({
      status: 'running',
      qmpstatus: 'running',
    });
    // The saved machine must match the config it resumes with: pending changes wait for the next boot.
    const pending = (await ok(call, 'GET', `${vm}/pending`)) as { key: string; pending?: unknown }[];
    expect(pending.find((p) => p.key === 'cores')).toMatchObject({ pending: 4 });
    const content = (await read(call, '/nodes/pve/storage/local-lvm/content', { vmid: 612 })) as unknown as {
      volid: string;
    }[];
    expect(content.map((v) => v.volid)).not.toContain(vmstate);
    const interfaces = (await read(call, `${vm}/agent/network-get-interfaces`)) as { result: unknown[] };
    expect(JSON.stringify(interfaces.result)).toMatch(/"ip-address-type":"ipv4"/);

    const again = await runTask(call, 'POST', `${vm}/status/start`);
    expect(again.exitstatus).toBe('VM 612 already running');
  });

  it('discards the state when the config deletes vmstate; another lock still refuses that', async () => {
    const call = await start('9.1');
    const vm = await hibernated(call, 613);
    expect(
      await ok(call, 'PUT', `${vm}/config`, { delete: 'vmstate', description: 'fresh boot next' }),
    ).toBeNull();
    const config = await read(call, `${vm}/config`);
    expect(config).toMatchObject({ description: 'fresh boot next' });
    for (const key of ['lock', 'vmstate', 'runningmachine', 'runningcpu'])
      expect(config[key]).toBeUndefined();
    const started = await runTask(call, 'POST', `${vm}/status/start`);
    expect(await taskLog(call, started.upid)).not.toContain('Resuming suspended VM');

    sim!.faults.slowTasks(20);
    const snapshot = (await ok(call, 'POST', `${vm}/snapshot`, { snapname: 'first' })) as string;
    const refused = await call('PUT', `${vm}/config`, { delete: 'vmstate' });
    expect(refused.reason).toBe('VM is locked (snapshot)');
    await waitTask(call, snapshot);
  });

  it('resume starts it like start; resume of a running VM is a no-op', async () => {
    const call = await start('8.4');
    const vm = await hibernated(call, 614);
    const resumed = await runTask(call, 'POST', `${vm}/status/resume`);
    expect(resumed.upid).toMatch(/:qmresume:614:/);
    expect(resumed.exitstatus).toBe('OK');
    expect((await read(call, `${vm}/status/current`)).status).toBe('running');
    expect((await runTask(call, 'POST', `${vm}/status/resume`)).exitstatus).toBe('OK');
  });
});

describe('pause (suspend without todisk)', () => {
  it('keeps the VM running with qmpstatus paused; shutdown needs forceStop; resume continues', async () => {
    const call = await start('9.1');
    const vm = await runningVm(call, 621);
    const paused = await runTask(call, 'POST', `${vm}/status/suspend`);
    expect(paused.upid).toMatch(/:qmpause:621:/);
    expect(paused.exitstatus).toBe('OK');
    expect(await read(call, `${vm}/status/current`)).toMatchObject({
      status: 'running',
      qmpstatus: 'paused',
    });
    expect((await read(call, `${vm}/config`)).lock).toBeUndefined();
    const agent = await call('GET', `${vm}/agent/network-get-interfaces`);
    expect([agent.status, agent.reason]).toEqual([500, 'QEMU guest agent is not running']);
    const shutdown = await call('POST', `${vm}/status/shutdown`);
    expect([shutdown.status, shutdown.reason]).toEqual([500, 'VM is paused - cannot shutdown']);
    expect((await call('POST', `${vm}/status/reboot`)).reason).toBe('VM is paused - cannot shutdown');

    expect((await runTask(call, 'POST', `${vm}/status/resume`)).exitstatus).toBe('OK');
    expect((await read(call, `${vm}/status/current`)).qmpstatus).toBe('running');

    await runTask(call, 'POST', `${vm}/status/suspend`);
    expect((await runTask(call, 'POST', `${vm}/status/shutdown`, { forceStop: 1 })).exitstatus).toBe('OK');
    expect(await read(call, `${vm}/status/current`)).toMatchObject({
      status: 'stopped',
      qmpstatus: 'stopped',
    });
  });
});
