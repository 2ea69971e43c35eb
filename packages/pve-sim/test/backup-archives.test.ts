import { describe, expect, it } from 'vitest';
import { archiveInfo, archiveName, expandNotesTemplate, restoredConfig } from '../src/cluster/backups.js';

const info = { cluster: 'guildlab', guestname: 'game-1', node: 'pve', vmid: 101 };

describe('vzdump archives', () => {
  it('expands notes-template variables and escapes as PVE::VZDump::generate_notes', () => {
    expect(expandNotesTemplate('{{guestname}}@{{node}}\\n{{cluster}}/{{vmid}} \\\\ {{other}}', info)).toBe(
      'game-1@pve\nguildlab/101 \\ {{other}}',
    );
    expect(() => expandNotesTemplate('a\\tb', info)).toThrow("unexpected escape character 't'");
  });

  it('names archives in local time and reads the time back from the name', () => {
    const at = new Date(2025, 2, 13, 9, 5, 7);
    const name = archiveName(101, at, 'vma.zst');
    expect(name).toBe('vzdump-qemu-101-2025_03_13-09_05_07.vma.zst');
    expect(archiveInfo(`local:backup/${name}`)).toEqual({
      type: 'qemu',
      vmid: 101,
      ctime: at.getTime() / 1000,
      format: 'vma.zst',
      standardName: true,
    });
    expect(archiveInfo('local:backup/vzdump-qemu-101-manual.vma').standardName).toBe(false);
  });

  it('restores a config under the new vmid: disks renamed, MACs kept unless unique', () => {
    const archived = {
      name: 'game-1',
      lock: 'backup',
      scsi0: 'local-lvm:base-9000-disk-0/vm-101-disk-0,iothread=1,size=4G',
      ide2: 'local-lvm:vm-101-cloudinit,media=cdrom',
      net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0',
      vmgenid: 'old',
    };
    const same = restoredConfig(archived, 202);
    expect(same).toMatchObject({
      name: 'game-1',
      scsi0: 'local-lvm:vm-202-disk-0,iothread=1,size=4G',
      ide2: 'local-lvm:vm-202-cloudinit,media=cdrom',
      net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0',
    });
    expect(same.lock).toBeUndefined();
    expect(same.vmgenid).not.toBe('old');
    const unique = restoredConfig(archived, 203, { unique: true, storage: 'lvm-thick' });
    expect(unique.net0).toMatch(/^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0$/);
    expect(unique.net0).not.toBe(archived.net0);
    expect(unique.scsi0).toBe('lvm-thick:vm-203-disk-0,iothread=1,size=4G');
  });
});
