// The qemu backend end to end with real QEMU processes, booting a few bytes of fake guest instead of an OS
// (see support/fake-guest.ts), so it runs anywhere qemu-system-x86_64 does, KVM or not.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentNotRunningError, type VmBackend } from '../../src/backend.js';
import type { SimVm } from '../../src/cluster/model.js';
import { templateVm } from '../../src/cluster/seed.js';
import { renameForClone } from '../../src/cluster/vm-config.js';
import { type RunningSimulator, startSimulator } from '../../src/index.js';
import { createQemuBackend, type LabNetwork } from '../../src/qemu/index.js';
import type { TaskLog } from '../../src/tasks/runner.js';
import { rawClient, waitTask } from '../support/raw-client.js';
import { FAKE_GUEST_BANNER, type FakeGuestBehaviour, writeFakeGuest } from './support/fake-guest.js';
import { tempDir } from './support/temp-dir.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

const backends: VmBackend[] = [];
let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await Promise.all(backends.splice(0).map((backend) => backend.close()));
});

interface Lab {
  dir: string;
  stateDir: string;
  backend: VmBackend;
  exits: number[];
  logLines: string[];
  log: TaskLog;
  template: SimVm;
}

async function lab(
  behaviour: FakeGuestBehaviour,
  options: { stateDir?: string; network?: LabNetwork } = {},
): Promise<Lab> {
  const dir = tempDir('backend');
  const disk = join(dir, 'template.qcow2');
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', disk, String(4 * MiB)]);
  const stateDir = options.stateDir ?? join(dir, 'state');
  const logLines: string[] = [];
  const backend = createQemuBackend({
    stateDir,
    template: { vmid: 9000, disk, ...writeFakeGuest(dir, behaviour) },
    snippetsDir: join(dir, 'snippets'),
    network: options.network,
    hostDns: { nameservers: ['10.0.2.3'] },
  });
  backends.push(backend);
  const exits: number[] = [];
  backend.onExit((vmid) => exits.push(vmid));
  const log: TaskLog = {
    info: (line) => logLines.push(line),
    warn: (line) => logLines.push(`WARN: ${line}`),
  };
  return { dir, stateDir, backend, exits, logLines, log, template: templateVm(9000, 'pve') };
}

async function linkedClone(l: Lab, vmid: number, extra: Record<string, string> = {}): Promise<SimVm> {
  const clone: SimVm = {
    vmid,
    node: 'pve',
    status: 'stopped',
    pending: {},
    pendingDelete: [],
    snapshots: [],
    config: { ...renameForClone(l.template.config, vmid, false), name: `vm-${vmid}`, memory: '64', ...extra },
  };
  await l.backend.cloneDisks(l.template, clone, false, l.log);
  return clone;
}

const vmDir = (l: Lab, vmid: number) => join(l.stateDir, 'vms', String(vmid));
const pidOf = (l: Lab, vmid: number) => Number(readFileSync(join(vmDir(l, vmid), 'qemu.pid'), 'utf8'));

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** An ACPI power button pressed before the guest listens is lost (as with a real OS still booting). */
const guestUp = (l: Lab, vmid: number) =>
  until('the fake guest banner', () => {
    const serial = join(vmDir(l, vmid), 'serial.log');
    return existsSync(serial) && readFileSync(serial, 'utf8').includes(FAKE_GUEST_BANNER);
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function virtualSize(file: string): Promise<number> {
  return JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', file])).stdout)['virtual-size'];
}

describe('qemu backend with a real QEMU', () => {
  it('clones, starts with a seed, resizes live, shuts down by ACPI, and destroys', async () => {
    const l = await lab('honours-acpi');
    const vm = await linkedClone(l, 101);
    const disk = join(l.stateDir, 'images', 'vm-101-disk-0.qcow2');
    expect(await virtualSize(disk)).toBe(4 * 1024 * MiB); // grown to the config's size=4G

    await l.backend.start(vm, l.log);
    const pid = pidOf(l, 101);
    expect(alive(pid)).toBe(true);
    const { stdout: volume } = await run('isoinfo', ['-d', '-i', join(vmDir(l, 101), 'cloudinit.iso')]);
    expect(volume).toMatch(/Volume id: cidata/);
    await expect(l.backend.start(vm, l.log)).rejects.toThrow('VM 101 already running');

    // agent: 1, but no agent in the guest: PVE's "not running" after the sync times out.
    await expect(l.backend.agent(vm, 'ping')).rejects.toBeInstanceOf(AgentNotRunningError);

    await l.backend.resizeDisk(vm, 'scsi0', 5 * 1024 * MiB);
    expect(await virtualSize(disk)).toBe(5 * 1024 * MiB);

    await guestUp(l, 101);
    expect(await l.backend.shutdown(vm, 10_000)).toBe(true);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(vmDir(l, 101), 'qemu.pid'))).toBe(false);
    expect(l.exits).toEqual([]);

    await l.backend.destroy(vm, l.log);
    expect(existsSync(disk)).toBe(false);
    expect(existsSync(vmDir(l, 101))).toBe(false);
    expect(existsSync(join(l.dir, 'template.qcow2'))).toBe(true);
  });

  it('reports a shutdown the guest ignores as false, then stops hard', async () => {
    const l = await lab('ignores-acpi');
    const vm = await linkedClone(l, 102, { agent: '0' });
    await l.backend.start(vm, l.log);
    await guestUp(l, 102);
    const pid = pidOf(l, 102);
    expect(await l.backend.shutdown(vm, 1_000)).toBe(false);
    expect(alive(pid)).toBe(true);
    await l.backend.stop(vm);
    expect(alive(pid)).toBe(false);
    expect(l.exits).toEqual([]);
    await l.backend.stop(vm); // stopping a stopped VM does nothing
  });

  it('tells onExit listeners when the guest powers off by itself or its process dies', async () => {
    const l = await lab('powers-off-at-once');
    await l.backend.start(await linkedClone(l, 103, { agent: '0' }), l.log);
    await until('onExit 103', () => l.exits.includes(103));

    const hung = await lab('ignores-acpi');
    await hung.backend.start(await linkedClone(hung, 104, { agent: '0' }), hung.log);
    process.kill(pidOf(hung, 104), 'SIGKILL');
    await until('onExit 104', () => hung.exits.includes(104));
  });

  it('reboots as PVE does: a new QEMU process with a regenerated seed', async () => {
    const l = await lab('honours-acpi');
    const vm = await linkedClone(l, 105, { agent: '0' });
    await l.backend.start(vm, l.log);
    await guestUp(l, 105);
    const firstPid = pidOf(l, 105);
    vm.config.name = 'renamed';
    await l.backend.reboot(vm, l.log);
    const secondPid = pidOf(l, 105);
    expect(secondPid).not.toBe(firstPid);
    expect(alive(firstPid)).toBe(false);
    const { stdout: userData } = await run('isoinfo', [
      '-R',
      '-i',
      join(vmDir(l, 105), 'cloudinit.iso'),
      '-x',
      '/user-data',
    ]);
    expect(userData).toContain('hostname: renamed\n');
    expect(l.exits).toEqual([]);
  });

  it('hibernates to a state file and resumes the guest where it was, without a boot', async () => {
    const l = await lab('honours-acpi');
    const vm = await linkedClone(l, 110, { agent: '0' });
    await l.backend.start(vm, l.log);
    await guestUp(l, 110);
    const firstPid = pidOf(l, 110);
    const volume = 'local-lvm:vm-110-state-suspend-2026-04-01';
    const stateFile = join(l.stateDir, 'images', 'vm-110-state-suspend-2026-04-01.vmstate');

    await l.backend.hibernate(vm, volume, l.log);
    expect(alive(firstPid)).toBe(false);
    expect(readFileSync(stateFile).length).toBeGreaterThan(1024 * 1024);
    expect(l.logLines.join('\n')).toMatch(/saved VM state: [\d.]+ MiB/);

    await l.backend.resumeFromState(vm, volume, l.log);
    const secondPid = pidOf(l, 110);
    expect(alive(secondPid)).toBe(true);
    // A boot would print the banner on the new process's (fresh) serial log; a resumed guest does not.
    await new Promise((done) => setTimeout(done, 1_000));
    expect(readFileSync(join(vmDir(l, 110), 'serial.log'), 'utf8')).not.toContain(FAKE_GUEST_BANNER);
    // The restored guest still waits for the power button it armed before it was saved.
    await l.backend.removeState(vm, volume);
    expect(existsSync(stateFile)).toBe(false);
    expect(await l.backend.shutdown(vm, 10_000)).toBe(true);
    expect(l.exits).toEqual([]);
  });

  it('hibernates and resumes through the API: the state file lives while the VM is hibernated', async () => {
    const l = await lab('honours-acpi');
    sim = await startSimulator({ profile: 'fast', backend: l.backend, authFailureDelayMs: 10 });
    const call = rawClient(sim.url);
    const task = async (method: string, path: string, params: Record<string, unknown> = {}) => {
      const answer = await call(method, path, params);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return (await waitTask(call, answer.body.data as string)).exitstatus;
    };
    expect(await task('POST', '/nodes/pve/qemu/9000/clone', { newid: 111 })).toBe('OK');
    await call('PUT', '/nodes/pve/qemu/111/config', { memory: 64, agent: 0 });
    expect(await task('POST', '/nodes/pve/qemu/111/status/start')).toBe('OK');
    await guestUp(l, 111);
    const stateFiles = () => readdirSync(join(l.stateDir, 'images')).filter((f) => f.endsWith('.vmstate'));

    expect(await task('POST', '/nodes/pve/qemu/111/status/suspend', { todisk: 1 })).toBe('OK');
    expect(stateFiles()).toEqual([expect.stringMatching(/^vm-111-state-suspend-[\d-]+\.vmstate$/)]);
    expect(await task('POST', '/nodes/pve/qemu/111/status/start')).toBe('OK');
    expect(stateFiles()).toEqual([]);
    await new Promise((done) => setTimeout(done, 500));
    expect(readFileSync(join(vmDir(l, 111), 'serial.log'), 'utf8')).not.toContain(FAKE_GUEST_BANNER);

    expect(await task('POST', '/nodes/pve/qemu/111/status/suspend', { todisk: 1 })).toBe('OK');
    expect(await task('DELETE', '/nodes/pve/qemu/111')).toBe('OK');
    expect(stateFiles()).toEqual([]);
  });

  it('fails a start QEMU refuses with PVE wording and what QEMU said', async () => {
    const l = await lab('ignores-acpi');
    const vm = await linkedClone(l, 106, { agent: '0' });
    vm.config.scsi1 = 'local-lvm:vm-106-disk-9,size=1G';
    await expect(l.backend.start(vm, l.log)).rejects.toThrow(/^start failed: QEMU exited with code 1/);
    expect(l.logLines.join('\n')).toMatch(/vm-106-disk-9\.qcow2.*No such file or directory/);
    expect(l.exits).toEqual([]);
  });

  it('refuses a start whose cicustom snippet is missing', async () => {
    const l = await lab('ignores-acpi');
    const vm = await linkedClone(l, 107, { cicustom: 'user=local:snippets/nope.yaml' });
    await expect(l.backend.start(vm, l.log)).rejects.toThrow("can't find file 'local:snippets/nope.yaml'");
  });

  it('kills QEMU processes an earlier backend on the same state dir left behind', async () => {
    const first = await lab('ignores-acpi');
    const vm = await linkedClone(first, 108, { agent: '0' });
    await first.backend.start(vm, first.log);
    const pid = pidOf(first, 108);

    const second = await lab('ignores-acpi', { stateDir: first.stateDir });
    await second.backend.stop(vm); // any call waits for the recovery
    expect(alive(pid)).toBe(false);
  });
});

const NETNS = `gs-qemu-test-${process.pid}`;
const canMakeNamespaces = process.getuid?.() === 0;

describe.skipIf(!canMakeNamespaces)('qemu backend on a tap in a network namespace', () => {
  it('makes the tap through the lab network, runs QEMU inside the namespace, and removes the tap', async () => {
    await run('ip', ['netns', 'add', NETNS]);
    try {
      const calls: string[] = [];
      const network: LabNetwork = {
        netns: NETNS,
        addTap: async (name) => {
          calls.push(`add ${name}`);
          await run('ip', ['-n', NETNS, 'tuntap', 'add', 'dev', name, 'mode', 'tap']);
          await run('ip', ['-n', NETNS, 'link', 'set', name, 'up']);
        },
        removeTap: async (name) => {
          calls.push(`remove ${name}`);
          await run('ip', ['-n', NETNS, 'link', 'del', name]);
        },
      };
      const l = await lab('ignores-acpi', { network });
      const vm = await linkedClone(l, 109, { agent: '0' });
      await l.backend.start(vm, l.log);
      const { stdout: links } = await run('ip', ['-n', NETNS, '-o', 'link', 'show', 'tap109i0']);
      expect(links).toContain('tap109i0');
      const inode = async (path: string) => (await run('stat', ['-L', '-c', '%i', path])).stdout;
      expect(await inode(`/proc/${pidOf(l, 109)}/ns/net`)).toBe(await inode(`/run/netns/${NETNS}`));
      await l.backend.stop(vm);
      expect(calls).toEqual(['add tap109i0', 'remove tap109i0']);
    } finally {
      await run('ip', ['netns', 'del', NETNS]);
    }
  });
});
