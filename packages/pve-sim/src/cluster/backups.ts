// Pure rules about vzdump archives: names, notes, and the config a restore writes.
import { randomUUID } from 'node:crypto';
import type { SimBackup } from './model.js';
import { parseDisk, withMac } from './vm-config.js';

/** PVE's standard archive name (what prune considers); anything else on a backup storage is "renamed". */
const STANDARD_NAME =
  /^vzdump-(qemu|lxc|openvz)-([1-9]\d{2,8})-(\d{4})_(\d{2})_(\d{2})-(\d{2})_(\d{2})_(\d{2})\.(tgz|(?:tar|vma)(?:\.(?:gz|lzo|zst|bz2))?)$/;

export interface ArchiveInfo {
  type: string;
  vmid?: number;
  /** From the name when it is standard (local time, as PVE parses it). */
  ctime?: number;
  format?: string;
  standardName: boolean;
}

export function archiveInfo(volid: string): ArchiveInfo {
  const file = volid.slice(volid.lastIndexOf('/') + 1);
  const m = STANDARD_NAME.exec(file);
  if (!m) {
    const loose = /^vzdump-(qemu|lxc|openvz)-(\d+)-/.exec(file);
    return {
      type: loose?.[1] ?? 'unknown',
      vmid: loose ? Number(loose[2]) : undefined,
      format: /\.((?:tar|vma)(?:\.\w+)?|tgz)$/.exec(file)?.[1],
      standardName: false,
    };
  }
  const [, type, vmid, year, month, day, hour, minute, second, format] = m;
  const ctime = new Date(+year!, +month! - 1, +day!, +hour!, +minute!, +second!).getTime() / 1000;
  return { type: type!, vmid: Number(vmid), ctime, format, standardName: true };
}

export const archiveFormat = (backup: SimBackup): string =>
  backup.format ?? archiveInfo(backup.volid).format ?? 'vma';

const EXTENSIONS: Record<string, string> = {
  '0': 'vma',
  '1': 'vma.lzo',
  gzip: 'vma.gz',
  lzo: 'vma.lzo',
  zstd: 'vma.zst',
};

export const archiveExtension = (compress: string | undefined): string =>
  EXTENSIONS[compress ?? '0'] ?? 'vma';

/** `vzdump-qemu-<vmid>-<YYYY_MM_DD-HH_MM_SS>.<ext>`, the time in the node's local time as vzdump writes it. */
export function archiveName(vmid: number, at: Date, extension: string): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${at.getFullYear()}_${pad(at.getMonth() + 1)}_${pad(at.getDate())}-${pad(at.getHours())}_${pad(at.getMinutes())}_${pad(at.getSeconds())}`;
  return `vzdump-qemu-${vmid}-${stamp}.${extension}`;
}

export interface NotesInfo {
  cluster: string;
  guestname: string;
  node: string;
  vmid: number;
}

/** PVE::VZDump::generate_notes: `\n` and `\\` escapes, then `{{cluster}}`, `{{guestname}}`, `{{node}}`, `{{vmid}}`. */
export function expandNotesTemplate(template: string, info: NotesInfo): string {
  const unescaped = template.replace(/\\(.)/gs, (_, char: string) => {
    if (char === '\\') return '\\';
    if (char === 'n') return '\n';
    throw new Error(`unexpected escape character '${char}'`);
  });
  return unescaped.replace(/\{\{(cluster|guestname|node|vmid)\}\}/g, (_, key: keyof NotesInfo) =>
    String(info[key]),
  );
}

/** Where PVE keeps an archive on disk (shown by GET …/content/{volume} as `path`). */
export function archivePath(storageType: string, volid: string): string {
  const file = volid.slice(volid.lastIndexOf('/') + 1);
  return storageType === 'dir' ? `/var/lib/vz/dump/${file}` : `/mnt/pve/${volid.split(':')[0]}/dump/${file}`;
}

export interface RestoreOptions {
  /** Put every disk on this storage instead of the one it came from. */
  storage?: string;
  /** New MAC addresses and SMBIOS UUID (a copy that runs beside the original). */
  unique?: boolean;
}

/**
 * The config qmrestore writes from an archive's config: disks renamed to the new vmid (on `storage` when
 * given), a fresh vmgenid always, new MACs and SMBIOS UUID only with `unique`; no lock, no snapshot parent.
 */
export function restoredConfig(
  archived: Record<string, string>,
  vmid: number,
  options: RestoreOptions = {},
): Record<string, string> {
  const template = archived.template === '1';
  const next: Record<string, string> = {};
  let diskIndex = 0;
  for (const [key, value] of Object.entries(archived)) {
    if (key === 'lock' || key === 'parent' || key === 'digest') continue;
    const disk = parseDisk(key, value);
    if (disk && !value.includes('media=cdrom')) {
      const diskOptions = value.split(',').slice(1).join(',');
      const volume = `${options.storage ?? disk.storage}:${template ? 'base' : 'vm'}-${vmid}-disk-${diskIndex++}`;
      next[key] = diskOptions ? `${volume},${diskOptions}` : volume;
    } else if (disk?.isCloudInit) {
      next[key] = `${options.storage ?? disk.storage}:vm-${vmid}-cloudinit,media=cdrom`;
    } else if (/^net\d+$/.test(key) && options.unique) {
      next[key] = withMac(value.replace(/^([a-z0-9]+)=[0-9A-Fa-f:]{17}/, '$1'));
    } else if (key === 'smbios1' && options.unique) {
      next[key] = value.replace(/uuid=[0-9a-f-]+/i, `uuid=${randomUUID()}`);
    } else if (key === 'vmgenid' && value !== '0') {
      next[key] = randomUUID();
    } else {
      next[key] = value;
    }
  }
  return next;
}
