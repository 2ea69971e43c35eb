import { afterEach, describe, expect, it } from 'vitest';
import { archiveName } from '../src/cluster/backups.js';
import { type RunningSimulator, startSimulator } from '../src/index.js';
import type { PveVersion } from '../src/schema/index.js';
import { type RawCall, rawClient, waitTask } from './support/raw-client.js';
import { returnProblems } from './support/returns.js';

const VERSIONS: PveVersion[] = ['7.4', '8.4', '9.1'];
/** Our own client's User-Agent: the simulator then checks every request against all three schemas. */
const AS_OWN_CLIENT = { headers: { 'user-agent': 'guildserver-proxmox/0.0.0-test' } };

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
  return waitTask(call, (await ok(call, method, path, params)) as string);
}

async function clone(call: RawCall, newid: number): Promise<void> {
  const done = await runTask(call, 'POST', '/nodes/pve/qemu/9000/clone', { newid, name: `vm-${newid}` });
  expect(done.exitstatus).toBe('OK');
}

async function taskLog(call: RawCall, upid: string): Promise<string[]> {
  const lines = (await ok(call, 'GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/log`, {
    limit: 500,
  })) as {
    t: string;
  }[];
  return lines.map((l) => l.t);
}

/** GET that must answer 200 with data matching the endpoint's `returns` schema in this version. */
async function read(call: RawCall, path: string, params: Record<string, unknown> = {}) {
  const data = await ok(call, 'GET', path, params);
  expect(returnProblems(sim!.version, 'GET', path, data)).toEqual([]);
  return data;
}

type ContentEntry = Record<string, unknown> & { volid: string };
const backupsOf = async (call: RawCall, params: Record<string, unknown> = {}) =>
  (await read(call, '/nodes/pve/storage/local/content', { content: 'backup', ...params })) as ContentEntry[];

describe.each(VERSIONS)('backups in storage content, PVE %s', (version) => {
  it('vzdump records the archive with notes and protection; content lists it beside a foreign backup', async () => {
    const call = await start(version);
    await clone(call, 600);
    const upid = (await ok(call, 'POST', '/nodes/pve/vzdump', {
      vmid: 600,
      storage: 'local',
      compress: 'zstd',
      mode: 'snapshot',
      'notes-template': '{{guestname}} on {{node}}\\n{{cluster}} #{{vmid}}',
      protected: 1,
    })) as string;
    const during = (await ok(call, 'GET', '/nodes/pve/qemu/600/config')) as Record<string, unknown>;
    expect(during.lock).toBe('backup');
    const refused = await call('PUT', '/nodes/pve/qemu/600/config', { cores: 4 });
    expect([refused.status, refused.reason]).toEqual([500, 'VM is locked (backup)']);
    expect((await waitTask(call, upid)).exitstatus).toBe('OK');
    expect(await taskLog(call, upid)).toEqual(
      expect.arrayContaining(['INFO: backup mode: snapshot', 'INFO: marking backup as protected']),
    );
    expect(
      (await runTask(call, 'POST', '/nodes/pve/vzdump', { vmid: 9000, storage: 'local' })).exitstatus,
    ).toBe('OK');

    const all = await backupsOf(call);
    expect(all).toHaveLength(2);
    const ours = all.find((b) => b.vmid === 600)!;
    expect(ours.volid).toMatch(
      /^local:backup\/vzdump-qemu-600-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}\.vma\.zst$/,
    );
    expect(ours).toMatchObject({
      format: 'vma.zst',
      content: 'backup',
      subtype: 'qemu',
      notes: 'vm-600 on pve',
      protected: 1,
    });
    expect(ours.size).toBeGreaterThan(0);
    expect(Math.abs((ours.ctime as number) - Date.now() / 1000)).toBeLessThan(5);
    const foreign = all.find((b) => b.vmid === 9000)!;
    expect(foreign).toMatchObject({ format: 'vma', content: 'backup', subtype: 'qemu' });
    expect(foreign.notes).toBeUndefined();
    expect(foreign.protected).toBeUndefined();
    expect((await backupsOf(call, { vmid: 9000 })).map((b) => b.volid)).toEqual([foreign.volid]);

    const attributes = await read(call, `/nodes/pve/storage/local/content/${encodeURIComponent(ours.volid)}`);
    expect(attributes).toMatchObject({
      notes: 'vm-600 on pve\nguildlab #600',
      protected: 1,
      format: 'vma.zst',
      path: `/var/lib/vz/dump/${ours.volid.split('/')[1]}`,
    });
    // The other node's `local` is another directory.
    expect(await read(call, '/nodes/pve2/storage/local/content', { content: 'backup' })).toEqual([]);
    const images = (await read(call, '/nodes/pve/storage/local-lvm/content', {
      vmid: 600,
    })) as ContentEntry[];
    expect(images.map((i) => i.volid)).toEqual(['local-lvm:vm-600-cloudinit', 'local-lvm:vm-600-disk-0']);
  });
});

describe('backup volumes', () => {
  async function backUp(call: RawCall, vmid: number, extra: Record<string, unknown> = {}): Promise<string> {
    expect(
      (await runTask(call, 'POST', '/nodes/pve/vzdump', { vmid, storage: 'local', ...extra })).exitstatus,
    ).toBe('OK');
    return (await backupsOf(call, { vmid })).at(-1)!.volid;
  }

  it('a protected backup refuses deletion in the imgdel task; notes and protection can be changed', async () => {
    const call = await start();
    await clone(call, 600);
    const volid = await backUp(call, 600, { protected: 1 });
    const path = `/nodes/pve/storage/local/content/${encodeURIComponent(volid)}`;
    const volname = volid.slice('local:'.length);

    const upid = (await ok(call, 'DELETE', path)) as string;
    expect(upid).toMatch(/^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:imgdel:600@local:/);
    expect((await waitTask(call, upid)).exitstatus).toBe(
      `cannot remove protected volume '${volname}' on 'local'`,
    );
    const withDelay = await call('DELETE', path, { delay: 5 });
    expect([withDelay.status, withDelay.reason]).toEqual([
      500,
      `cannot remove protected volume '${volname}' on 'local'`,
    ]);
    expect(await backupsOf(call)).toHaveLength(1);

    expect(await ok(call, 'PUT', path, { notes: 'before the update', protected: 0 })).toBeNull();
    expect(await read(call, path)).toMatchObject({ notes: 'before the update', protected: 0 });
    expect((await backupsOf(call))[0]).toMatchObject({ notes: 'before the update' });
    // The volume name alone works too when the storage is in the path.
    expect(
      await ok(call, 'DELETE', `/nodes/pve/storage/local/content/${encodeURIComponent(volname)}`, {
        delay: 5,
      }),
    ).toBeNull();
    expect(await backupsOf(call)).toEqual([]);
    const gone = await call('GET', path);
    expect([gone.status, gone.reason]).toEqual([500, `volume_size_info on '${volid}' failed - no format`]);
  });

  it('a full storage fails the backup with "No space left on device" and records nothing', async () => {
    const call = await start();
    await clone(call, 600);
    const fault = await fetch(`${sim!.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'storage_full', storage: 'local' }),
    });
    expect(fault.status).toBe(200);
    const upid = (await ok(call, 'POST', '/nodes/pve/vzdump', { vmid: 600, storage: 'local' })) as string;
    expect((await waitTask(call, upid)).exitstatus).toBe('job errors');
    expect(await taskLog(call, upid)).toEqual(
      expect.arrayContaining([
        'ERROR: Backup of VM 600 failed - vma_queue_write: write error - No space left on device',
        'TASK ERROR: job errors',
      ]),
    );
    expect(await backupsOf(call)).toEqual([]);
    expect(
      ((await ok(call, 'GET', '/nodes/pve/qemu/600/config')) as Record<string, unknown>).lock,
    ).toBeUndefined();
    expect(await backUp(call, 600)).toMatch(/vzdump-qemu-600-/);
  });
});

describe('prune', () => {
  /** Archives with chosen times, put on `local` of pve as vzdump would have named them. */
  function seed(vmid: number, times: Date[], extra: { protected?: boolean; volid?: string } = {}): string[] {
    return times.map((at) => {
      const volid = extra.volid ?? `local:backup/${archiveName(vmid, at, 'vma.zst')}`;
      sim!.state.backups.push({
        volid,
        vmid,
        storage: 'local',
        node: 'pve',
        ctime: Math.floor(at.getTime() / 1000),
        size: 1 << 20,
        format: 'vma.zst',
        subtype: 'qemu',
        ...(extra.protected ? { protected: true } : {}),
        config: { name: `vm-${vmid}` },
      });
      return volid;
    });
  }

  it('marks keep/remove/protected/renamed as PVE and removes in a prunebackups task', async () => {
    const call = await start();
    const [day10, day12, day13] = seed(700, [
      new Date(2025, 2, 10, 9),
      new Date(2025, 2, 12, 8),
      new Date(2025, 2, 13, 10),
    ]);
    const [protectedDay12] = seed(700, [new Date(2025, 2, 12, 20)], { protected: true });
    const [renamed] = seed(700, [new Date(2025, 2, 1)], {
      volid: 'local:backup/vzdump-qemu-700-manual.vma.zst',
    });
    const [foreign] = seed(701, [new Date(2025, 2, 1, 9)]);

    const dryRun = (await read(call, '/nodes/pve/storage/local/prunebackups', {
      'prune-backups': 'keep-daily=2',
      type: 'qemu',
    })) as { volid: string; mark: string; vmid: number; type: string }[];
    const marks = Object.fromEntries(dryRun.map((e) => [e.volid, e.mark]));
    expect(marks).toEqual({
      [day13!]: 'keep',
      [protectedDay12!]: 'protected',
      [day12!]: 'keep',
      [day10!]: 'remove',
      [renamed!]: 'renamed',
      [foreign!]: 'keep',
    });
    expect(dryRun.find((e) => e.volid === day10)).toMatchObject({ vmid: 700, type: 'qemu' });
    const onlyLxc = await read(call, '/nodes/pve/storage/local/prunebackups', {
      'prune-backups': 'keep-last=1',
      type: 'lxc',
    });
    expect(onlyLxc).toEqual([]);

    const upid = (await ok(call, 'DELETE', '/nodes/pve/storage/local/prunebackups', {
      'prune-backups': 'keep-last=1',
      vmid: 700,
    })) as string;
    expect(upid).toContain(':prunebackups:700@local:');
    expect((await waitTask(call, upid)).exitstatus).toBe('OK');
    expect(await taskLog(call, upid)).toEqual(
      expect.arrayContaining([`info: removing backup '${day12}'`, `info: removing backup '${day10}'`]),
    );
    expect((await backupsOf(call)).map((b) => b.volid).sort()).toEqual(
      [day13!, protectedDay12!, renamed!, foreign!].sort(),
    );
  });

  it('answers PVE errors for conflicting and missing retention options', async () => {
    const call = await start();
    const conflicting = await call('GET', '/nodes/pve/storage/local/prunebackups', {
      'prune-backups': 'keep-all=1,keep-last=2',
    });
    expect(conflicting.status).toBe(400);
    expect(conflicting.body.errors).toEqual({
      'prune-backups': 'keep-all cannot be set together with other options.',
    });
    const missing = await call('GET', '/nodes/pve/storage/local/prunebackups');
    expect([missing.status, missing.reason]).toEqual([
      500,
      "no prune-backups options configured for storage 'local'",
    ]);
    const noBackups = await call('GET', '/nodes/pve/storage/local-lvm/prunebackups', {
      'prune-backups': 'keep-last=1',
    });
    expect(noBackups.reason).toBe("storage 'local-lvm' does not support backups");
  });
});

describe('restore (qmrestore)', () => {
  async function backupOf600(call: RawCall): Promise<string> {
    await clone(call, 600);
    expect(
      (await runTask(call, 'POST', '/nodes/pve/vzdump', { vmid: 600, storage: 'local' })).exitstatus,
    ).toBe('OK');
    return (await backupsOf(call, { vmid: 600 }))[0]!.volid;
  }
  const config = async (call: RawCall, vmid: number) =>
    (await ok(call, 'GET', `/nodes/pve/qemu/${vmid}/config`)) as Record<string, unknown>;

  it('restores to a new vmid, locked create while the task runs', async () => {
    const call = await start();
    const archive = await backupOf600(call);
    const original = await config(call, 600);
    const upid = (await ok(call, 'POST', '/nodes/pve/qemu', { vmid: 650, archive })) as string;
    expect(upid).toContain(':qmrestore:650:');
    expect((await config(call, 650)).lock).toBe('create');
    const refused = await call('PUT', '/nodes/pve/qemu/650/config', { cores: 4 });
    expect(refused.reason).toBe('VM is locked (create)');
    expect((await waitTask(call, upid)).exitstatus).toBe('OK');
    const restored = await config(call, 650);
    expect(restored.lock).toBeUndefined();
    expect(restored.name).toBe('vm-600');
    expect(restored.scsi0).toMatch(/^local-lvm:vm-650-disk-0,/);
    expect(restored.ide2).toBe('local-lvm:vm-650-cloudinit,media=cdrom');
    expect(restored.net0).toBe(original.net0);

    const unique = await runTask(call, 'POST', '/nodes/pve/qemu', {
      vmid: 651,
      archive,
      unique: 1,
      storage: 'lvm-thick',
      name: 'copy',
    });
    expect(unique.exitstatus).toBe('OK');
    const copy = await config(call, 651);
    expect(copy.net0).not.toBe(original.net0);
    expect(copy.scsi0).toMatch(/^lvm-thick:vm-651-disk-0,/);
    expect(copy.name).toBe('copy');
  });

  it('refuses an existing VM without force, and a locked one; force replaces the config', async () => {
    const call = await start();
    const archive = await backupOf600(call);
    const taken = await call('POST', '/nodes/pve/qemu', { vmid: 600, archive });
    expect([taken.status, taken.reason]).toEqual([
      500,
      "unable to restore VM 600 - VM 600 already exists on node 'pve'",
    ]);
    const missing = await call('POST', '/nodes/pve/qemu', { vmid: 660, archive: 'local:backup/nope.vma' });
    expect(missing.reason).toBe("can't find file 'local:backup/nope.vma'");

    const backup = (await ok(call, 'POST', '/nodes/pve/vzdump', { vmid: 600, storage: 'local' })) as string;
    const locked = await call('POST', '/nodes/pve/qemu', { vmid: 600, archive, force: 1 });
    expect([locked.status, locked.reason]).toEqual([500, 'unable to restore VM 600 - VM is locked (backup)']);
    await waitTask(call, backup);

    expect(
      await ok(call, 'PUT', '/nodes/pve/qemu/600/config', { cores: 8, description: 'changed' }),
    ).toBeNull();
    expect(
      (await runTask(call, 'POST', '/nodes/pve/qemu', { vmid: 600, archive, force: 1 })).exitstatus,
    ).toBe('OK');
    const replaced = await config(call, 600);
    expect(replaced.cores).toBe(2);
    expect(replaced.description).toBeUndefined();
    expect(replaced.scsi0).toMatch(/^local-lvm:vm-600-disk-0,/);
  });

  it('fails the task over a running VM or on an injected error, and drops the create lock', async () => {
    const call = await start();
    const archive = await backupOf600(call);
    expect((await runTask(call, 'POST', '/nodes/pve/qemu/600/status/start')).exitstatus).toBe('OK');
    const running = await runTask(call, 'POST', '/nodes/pve/qemu', { vmid: 600, archive, force: 1 });
    expect(running.exitstatus).toBe('unable to restore VM 600 - vm is running');
    expect((await config(call, 600)).lock).toBeUndefined();

    sim!.faults.taskError({ type: 'qmrestore', message: 'command zstd failed: exit code 1' });
    const failed = await runTask(call, 'POST', '/nodes/pve/qemu', { vmid: 670, archive });
    expect(failed.exitstatus).toBe('command zstd failed: exit code 1');
    // As qemu-server: the VM's state is not cleaned up (an empty config), only unlocked.
    expect(await config(call, 670)).toEqual({ digest: expect.any(String) });
  });
});
