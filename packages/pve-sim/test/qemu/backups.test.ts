// vzdump and qmrestore with the qemu backend: real archives of real qcow2 images, checked byte by byte with
// qemu-io (known patterns written, backed up, overwritten, restored, read back), no OS booted. A running VM is
// the fake guest of support/fake-guest.ts, so its backup goes through QEMU's own backup job.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sleep } from '@guildserver/timing';
import { afterEach, describe, expect, it } from 'vitest';
import type { VmBackend } from '../../src/backend.js';
import { restoredConfig } from '../../src/cluster/backups.js';
import type { SimBackup, SimVm } from '../../src/cluster/model.js';
import { templateVm } from '../../src/cluster/seed.js';
import { renameForClone } from '../../src/cluster/vm-config.js';
import { type RunningSimulator, startSimulator } from '../../src/index.js';
import { createQemuBackend } from '../../src/qemu/index.js';
import type { TaskLog } from '../../src/tasks/runner.js';
import { type RawCall, rawClient } from '../support/raw-client.js';
import { writeFakeGuest } from './support/fake-guest.js';
import { tempDir } from './support/temp-dir.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

async function missingTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of ['qemu-img', 'qemu-io', 'qemu-system-x86_64']) {
    await run('sh', ['-c', `command -v ${tool}`]).catch(() => missing.push(tool));
  }
  return missing;
}
const missing = await missingTools();
if (missing.length > 0) {
  console.warn(
    `\n*** SKIPPED: the qemu backend's backup tests need ${missing.join(', ')} (apt-get install -y qemu-utils qemu-system-x86) ***\n`,
  );
}

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
  templateDisk: string;
  backend: VmBackend;
  logLines: string[];
  log: TaskLog;
  template: SimVm;
}

/** A template disk with 0x11 at 1 MiB (what linked clones read through their backing file). */
async function lab(): Promise<Lab> {
  const dir = tempDir('backups');
  const templateDisk = join(dir, 'template.qcow2');
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', templateDisk, String(4 * MiB)]);
  await qemuIo(templateDisk, `write -P 0x11 ${MiB} 64k`);
  const stateDir = join(dir, 'state');
  const logLines: string[] = [];
  const backend = createQemuBackend({
    stateDir,
    template: { vmid: 9000, disk: templateDisk, ...writeFakeGuest(dir, 'ignores-acpi') },
    snippetsDir: join(dir, 'snippets'),
    hostDns: { nameservers: ['10.0.2.3'] },
  });
  backends.push(backend);
  const log: TaskLog = {
    info: (line) => logLines.push(line),
    warn: (line) => logLines.push(`WARN: ${line}`),
  };
  return { dir, stateDir, templateDisk, backend, logLines, log, template: templateVm(9000, 'pve') };
}

async function linkedClone(l: Lab, vmid: number, extra: Record<string, string> = {}): Promise<SimVm> {
  const clone: SimVm = {
    vmid,
    node: 'pve',
    status: 'stopped',
    pending: {},
    pendingDelete: [],
    snapshots: [],
    config: {
      ...renameForClone(l.template.config, vmid, false),
      name: `vm-${vmid}`,
      memory: '64',
      scsi0: `local-lvm:base-9000-disk-0/vm-${vmid}-disk-0,size=8M`,
      ...extra,
    },
  };
  await l.backend.cloneDisks(l.template, clone, false, l.log);
  return clone;
}

/** The backup vzdump records before it asks the backend for the archive. */
function backupOf(vm: SimVm, stamp: string, format = 'vma.zst'): SimBackup {
  const { lock: _lock, ...config } = vm.config;
  return {
    volid: `local:backup/vzdump-qemu-${vm.vmid}-${stamp}.${format}`,
    vmid: vm.vmid,
    storage: 'local',
    node: 'pve',
    ctime: Math.floor(Date.now() / 1000),
    size: 1,
    format,
    subtype: 'qemu',
    config,
  };
}

/** What qmrestore makes of the VM before it asks the backend for the disks. */
function restoredVm(backup: SimBackup, vmid: number): SimVm {
  return {
    vmid,
    node: 'pve',
    status: 'stopped',
    pending: {},
    pendingDelete: [],
    snapshots: [],
    config: restoredConfig(backup.config!, vmid),
  };
}

async function qemuIo(file: string, ...commands: string[]): Promise<string> {
  const args = ['-f', 'qcow2', ...commands.flatMap((command) => ['-c', command]), file];
  const { stdout, stderr } = await run('qemu-io', args);
  return stdout + stderr;
}

/** Reads the ranges back and fails on the first byte that is not the pattern. */
async function expectBytes(file: string, ...reads: [pattern: string, offset: number, length: string][]) {
  const output = await qemuIo(
    file,
    ...reads.map(([p, offset, length]) => `read -P ${p} ${offset} ${length}`),
  );
  expect(output).not.toMatch(/Pattern verification failed|error/i);
  expect(output.match(/^read /gm)).toHaveLength(reads.length);
}

async function imageInfo(file: string) {
  return JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', file])).stdout) as {
    'virtual-size': number;
    'backing-filename'?: string;
    'format-specific'?: { data?: { 'compression-type'?: string } };
  };
}

const imageOf = (l: Lab, volume: string) => join(l.stateDir, 'images', `${volume}.qcow2`);
const archiveOf = (l: Lab, backup: SimBackup) =>
  join(l.stateDir, 'dump', 'local', backup.volid.slice(backup.volid.indexOf('/') + 1));
const sizeOfDir = (dir: string) =>
  readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);

describe.skipIf(missing.length > 0)('qemu backend backups', () => {
  it('archives a stopped VM (zstd clusters, chain flattened) and restores it over the VM and as a new one', async () => {
    const l = await lab();
    const vm = await linkedClone(l, 101);
    const disk = imageOf(l, 'vm-101-disk-0');
    await qemuIo(disk, 'write -P 0xaa 0 64k');

    const backup = backupOf(vm, '2025_03_13-09_05_07');
    await l.backend.backupDisks(vm, backup, l.log);
    const archive = archiveOf(l, backup);
    expect(readdirSync(archive).sort()).toEqual(['qemu-server.conf', 'scsi0.qcow2']);
    expect(readFileSync(join(archive, 'qemu-server.conf'), 'utf8')).toContain(
      'scsi0: local-lvm:base-9000-disk-0/vm-101-disk-0,size=8M\n',
    );
    const archived = await imageInfo(join(archive, 'scsi0.qcow2'));
    expect(archived['backing-filename']).toBeUndefined();
    expect(archived['virtual-size']).toBe(8 * MiB);
    expect(archived['format-specific']?.data?.['compression-type']).toBe('zstd');
    expect(backup.size).toBe(sizeOfDir(archive));
    expect(l.logLines.join('\n')).toMatch(/INFO: transferred 8\.00 MiB in \d+ seconds/);

    // After the backup: the VM's own data and what it read from the template both change.
    await qemuIo(disk, 'write -P 0xbb 0 64k', `write -P 0xcc ${MiB} 64k`);
    await expectBytes(disk, ['0xbb', 0, '64k'], ['0xcc', MiB, '64k']);

    const over = restoredVm(backup, 101);
    await l.backend.restoreDisks(over, backup, l.log);
    expect(over.config.scsi0).toBe('local-lvm:vm-101-disk-0,size=8M');
    await expectBytes(disk, ['0xaa', 0, '64k'], ['0x11', MiB, '64k'], ['0', 2 * MiB, '1M']);
    const restored = await imageInfo(disk);
    expect(restored['backing-filename']).toBeUndefined();
    expect(restored['virtual-size']).toBe(8 * MiB);
    expect(readdirSync(join(l.stateDir, 'images'))).toEqual(['vm-101-disk-0.qcow2']);
    expect(l.logLines).toContain(`map 'drive-scsi0' to '${disk}'`);

    const copy = restoredVm(backup, 202);
    await l.backend.restoreDisks(copy, backup, l.log);
    await expectBytes(imageOf(l, 'vm-202-disk-0'), ['0xaa', 0, '64k'], ['0x11', MiB, '64k']);

    // An uncompressed backup (`compress: 0`, a plain .vma) has no compressed clusters.
    const plain = backupOf(vm, '2025_03_13-09_05_08', 'vma');
    await l.backend.backupDisks(vm, plain, l.log);
    const { stdout: map } = await run('qemu-img', [
      'map',
      '--output=json',
      join(archiveOf(l, plain), 'scsi0.qcow2'),
    ]);
    expect(map).toContain('"data": true');
    expect(map).not.toContain('"compressed": true');

    // Removing the volume removes the archive; a second removal finds nothing and is no error.
    await l.backend.removeBackup(backup, l.log);
    expect(existsSync(archive)).toBe(false);
    await l.backend.removeBackup(backup, l.log);
    await expect(l.backend.restoreDisks(restoredVm(backup, 101), backup, l.log)).rejects.toThrow(
      /can't find archive/,
    );
    expect(existsSync(archiveOf(l, plain))).toBe(true);
  });

  it("backs a running VM up through QEMU's backup job while it runs on, and restores what it copied", async () => {
    const l = await lab();
    // agent: 1 but the fake guest has none: vzdump goes on without fs-freeze, as PVE does.
    const vm = await linkedClone(l, 103, { agent: '1' });
    const disk = imageOf(l, 'vm-103-disk-0');
    await qemuIo(disk, 'write -P 0xaa 0 64k');
    await l.backend.start(vm, l.log);
    const pid = Number(readFileSync(join(l.stateDir, 'vms', '103', 'qemu.pid'), 'utf8'));

    const backup = backupOf(vm, '2025_03_13-10_00_00');
    await l.backend.backupDisks(vm, backup, l.log);
    const lines = l.logLines.join('\n');
    expect(lines).toContain("INFO: skipping guest-agent 'fs-freeze', agent configured but not running?");
    expect(lines).toMatch(/INFO: started backup task/);
    expect(lines).toMatch(/INFO: transferred 8\.00 MiB in \d+ seconds/);
    expect(() => process.kill(pid, 0)).not.toThrow();
    const archive = archiveOf(l, backup);
    expect((await imageInfo(join(archive, 'scsi0.qcow2')))['virtual-size']).toBe(8 * MiB);
    expect(backup.size).toBe(sizeOfDir(archive));
    // The job's target left the running QEMU: a second backup adds and removes its own.
    const second = backupOf(vm, '2025_03_13-10_00_01');
    await l.backend.backupDisks(vm, second, l.log);
    await expectBytes(join(archiveOf(l, second), 'scsi0.qcow2'), ['0xaa', 0, '64k'], ['0x11', MiB, '64k']);

    await expect(l.backend.restoreDisks(vm, backup, l.log)).rejects.toThrow('VM 103 is running');
    await l.backend.stop(vm);
    await qemuIo(disk, 'write -P 0xbb 0 64k');
    await l.backend.restoreDisks(restoredVm(backup, 103), backup, l.log);
    await expectBytes(disk, ['0xaa', 0, '64k'], ['0x11', MiB, '64k']);
  });

  it('leaves no half-written archive when a backup fails', async () => {
    const l = await lab();
    const vm = await linkedClone(l, 104);
    vm.config.scsi1 = 'local-lvm:vm-104-disk-9,size=1M';
    const backup = backupOf(vm, '2025_03_13-11_00_00');
    await expect(l.backend.backupDisks(vm, backup, l.log)).rejects.toThrow(/no disk image for 'scsi1'/);
    // An image QEMU cannot read (its backing file is gone): the copy fails half-way through the archive.
    const broken = imageOf(l, 'vm-104-disk-9');
    await run('qemu-img', [
      'create',
      '-q',
      '-f',
      'qcow2',
      '-u',
      '-b',
      '/nonexistent',
      '-F',
      'qcow2',
      broken,
      '1M',
    ]);
    await expect(l.backend.backupDisks(vm, backup, l.log)).rejects.toThrow(/qemu-img failed/);
    expect(readdirSync(join(l.stateDir, 'dump', 'local'))).toEqual([]);
    await expect(
      l.backend.removeBackup({ ...backup, volid: 'local:backup/../../images' }, l.log),
    ).rejects.toThrow(/unable to parse backup volume name/);
  });
});

async function ok(call: RawCall, method: string, path: string, params: Record<string, unknown> = {}) {
  const answer = await call(method, path, params);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.data;
}

async function runTask(call: RawCall, method: string, path: string, params: Record<string, unknown> = {}) {
  const upid = (await ok(call, method, path, params)) as string;
  for (let i = 0; i < 600; i++) {
    const status = (await ok(call, 'GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`)) as {
      status: string;
      exitstatus: string;
    };
    if (status.status === 'stopped') {
      const log = (await ok(call, 'GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/log`, {
        limit: 500,
      })) as { t: string }[];
      return { exitstatus: status.exitstatus, log: log.map((line) => line.t) };
    }
    await sleep(50);
  }
  throw new Error(`task ${upid} did not finish`);
}

describe.skipIf(missing.length > 0)('vzdump and qmrestore through the API with the qemu backend', () => {
  it('restores the disk as it was at the backup, and the listing shows the archive’s real size', async () => {
    const l = await lab();
    sim = await startSimulator({ profile: 'fast', backend: l.backend, authFailureDelayMs: 10 });
    const call = rawClient(sim.url);
    const cloned = await runTask(call, 'POST', '/nodes/pve/qemu/9000/clone', { newid: 105, name: 'game' });
    expect(cloned.exitstatus).toBe('OK');
    const disk = imageOf(l, 'vm-105-disk-0');
    await qemuIo(disk, 'write -P 0xaa 0 64k');

    const dump = await runTask(call, 'POST', '/nodes/pve/vzdump', {
      vmid: 105,
      storage: 'local',
      compress: 'zstd',
      mode: 'snapshot',
    });
    expect(dump.exitstatus, dump.log.join('\n')).toBe('OK');
    expect(dump.log.join('\n')).toMatch(/INFO: transferred 4\.00 GiB in \d+ seconds/);
    const [volume] = (await ok(call, 'GET', '/nodes/pve/storage/local/content', {
      content: 'backup',
      vmid: 105,
    })) as { volid: string; size: number }[];
    const archive = join(l.stateDir, 'dump', 'local', volume!.volid.slice('local:backup/'.length));
    expect(volume!.size).toBe(sizeOfDir(archive));
    expect(volume!.size).toBeLessThan(MiB);

    await qemuIo(disk, 'write -P 0xbb 0 64k');
    const restore = await runTask(call, 'POST', '/nodes/pve/qemu', {
      vmid: 105,
      archive: volume!.volid,
      force: 1,
    });
    expect(restore.exitstatus, restore.log.join('\n')).toBe('OK');
    expect(restore.log).toContain(`map 'drive-scsi0' to '${disk}'`);
    const config = (await ok(call, 'GET', '/nodes/pve/qemu/105/config')) as Record<string, string>;
    expect(config.scsi0).toMatch(/^local-lvm:vm-105-disk-0,/);
    await expectBytes(disk, ['0xaa', 0, '64k'], ['0x11', MiB, '64k']);
  });
});
