import type { RunningSimulator } from '@guildserver/pve-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  type ProxmoxClient,
  pruneBackupsProperty,
  TaskFailedError,
  VmLockedError,
  type VmRef,
} from '../../src/index';
import { clientFor, FAST_WAIT, startSim, VERSIONS } from './sim-client';

const TEMPLATE: VmRef = { node: 'pve', vmid: 9000 };

describe('pruneBackupsProperty', () => {
  it('writes the prune-backups property string', () => {
    expect(pruneBackupsProperty({ keepLast: 3, keepDaily: 7, keepAll: false })).toBe(
      'keep-all=0,keep-last=3,keep-daily=7',
    );
  });
});

describe.each(VERSIONS)('backups and restore against the simulator, PVE %s', (version) => {
  let sim: RunningSimulator;
  let pve: ProxmoxClient;

  beforeAll(async () => {
    sim = await startSim(version);
    ({ client: pve } = clientFor(sim));
    await pve.waitForTask(await pve.qemu.clone(TEMPLATE, { newid: 300, name: 'game-300' }), FAST_WAIT);
  });

  afterAll(async () => {
    await pve?.close();
    await sim?.close();
  });

  it('backs up with notes and protection, lists, updates and deletes the archive', async () => {
    const upid = await pve.backup.vzdump({
      node: 'pve',
      vmid: 300,
      storage: 'local',
      compress: 'zstd',
      notesTemplate: '{{guestname}} ({{vmid}})',
      protected: true,
    });
    await pve.waitForTask(upid, FAST_WAIT);
    const [archive] = await pve.storage.backups('pve', 'local', { vmid: 300 });
    expect(archive).toMatchObject({
      content: 'backup',
      format: 'vma.zst',
      notes: 'game-300 (300)',
      vmid: 300,
    });
    expect(archive!.protected).toBeTruthy();
    expect(await pve.storage.volumeAttributes('pve', 'local', archive!.volid)).toMatchObject({
      notes: 'game-300 (300)',
      protected: 1,
    });

    const deletion = await pve.storage.deleteVolume('pve', 'local', archive!.volid);
    expect(deletion).toMatch(/^UPID:pve:.*:imgdel:300@local:/);
    const refused = await pve
      .waitForTask(deletion!, FAST_WAIT)
      .then(() => undefined)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TaskFailedError);
    expect((refused as TaskFailedError).exitstatus).toMatch(/^cannot remove protected volume 'backup\//);

    await pve.storage.updateVolumeAttributes('pve', 'local', archive!.volid, {
      notes: 'kept',
      protected: false,
    });
    expect((await pve.storage.backups('pve', 'local', { vmid: 300 }))[0]).toMatchObject({ notes: 'kept' });
    expect(await pve.storage.deleteVolume('pve', 'local', archive!.volid, { delay: 5 })).toBeNull();
    expect(await pve.storage.backups('pve', 'local', { vmid: 300 })).toEqual([]);
  });

  it('previews and runs a prune', async () => {
    for (const day of [10, 11]) {
      const at = new Date(2025, 2, day, 12);
      const stamp = `2025_03_${day}-12_00_00`;
      sim.state.backups.push({
        volid: `local:backup/vzdump-qemu-700-${stamp}.vma.zst`,
        vmid: 700,
        storage: 'local',
        node: 'pve',
        ctime: at.getTime() / 1000,
        size: 1 << 20,
        format: 'vma.zst',
        subtype: 'qemu',
        config: { name: 'old' },
      });
    }
    const params = { node: 'pve', storage: 'local', vmid: 700, keep: { keepLast: 1 } };
    const preview = await pve.backup.pruneDryRun(params);
    expect(preview.map((e) => [e.volid, e.mark])).toEqual([
      ['local:backup/vzdump-qemu-700-2025_03_10-12_00_00.vma.zst', 'remove'],
      ['local:backup/vzdump-qemu-700-2025_03_11-12_00_00.vma.zst', 'keep'],
    ]);
    await pve.waitForTask(await pve.backup.prune(params), FAST_WAIT);
    expect((await pve.storage.backups('pve', 'local', { vmid: 700 })).map((b) => b.volid)).toEqual([
      'local:backup/vzdump-qemu-700-2025_03_11-12_00_00.vma.zst',
    ]);
  });

  it('restores to a new VM, and over an existing one only with force', async () => {
    await pve.waitForTask(await pve.backup.vzdump({ node: 'pve', vmid: 300, storage: 'local' }), FAST_WAIT);
    const [archive] = await pve.storage.backups('pve', 'local', { vmid: 300 });

    await pve.waitForTask(
      await pve.backup.restore({ node: 'pve', vmid: 310, archive: archive!.volid }),
      FAST_WAIT,
    );
    expect(await pve.qemu.getConfig({ node: 'pve', vmid: 310 })).toMatchObject({ name: 'game-300' });

    await expect(
      pve.backup.restore({ node: 'pve', vmid: 300, archive: archive!.volid }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    const backup = await pve.backup.vzdump({ node: 'pve', vmid: 300, storage: 'local' });
    await expect(
      pve.backup.restore({ node: 'pve', vmid: 300, archive: archive!.volid, force: true }),
    ).rejects.toBeInstanceOf(VmLockedError);
    await pve.waitForTask(backup, FAST_WAIT);

    await pve.qemu.updateConfig({ node: 'pve', vmid: 300 }, { cores: 6 });
    const restore = await pve.backup.restore({
      node: 'pve',
      vmid: 300,
      archive: archive!.volid,
      force: true,
      unique: true,
      storage: 'local-lvm',
    });
    expect((await pve.qemu.getConfig({ node: 'pve', vmid: 300 })).lock).toBe('create');
    await pve.waitForTask(restore, FAST_WAIT);
    const config = await pve.qemu.getConfig({ node: 'pve', vmid: 300 });
    expect(config.cores).toBe(2);
    expect(config.lock).toBeUndefined();
    expect(sim.schemaViolations).toEqual([]);
  });
});
