// The backup archives behind the simulator's vzdump volumes. PVE writes one VMA file per backup; here an archive
// is a directory named as the volume (`<stateDir>/dump/<storage>/vzdump-qemu-101-….vma.zst/`) holding the
// guest's config as vzdump stores it (`qemu-server.conf`) and one qcow2 image per disk (`<disk key>.qcow2`:
// the disk's whole content, backing chain flattened, its clusters zstd-compressed unless the backup was asked
// uncompressed). qmrestore rebuilds the disks from those images with `qemu-img convert`.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { archiveFormat } from '../cluster/backups.js';
import type { SimBackup } from '../cluster/model.js';
import { type DiskSpec, disksOf } from '../cluster/vm-config.js';
import { runCommand } from './run-command.js';

/** What vzdump archives of a disk: not the cloud-init drive (regenerated), not a cdrom. */
export function archivedDisks(config: Record<string, string>): DiskSpec[] {
  return disksOf(config).filter(
    (disk) => !disk.isCloudInit && !/(^|,)media=cdrom(,|$)/.test(config[disk.key]!),
  );
}

/** `vzdump-qemu-101-2025_03_13-09_05_07.vma.zst`: a plain file name, never a path. */
const ARCHIVE_FILE = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/** PVE's storage ids (pve-storage-id). */
const STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;

/** The config file inside an archive (as in a VMA). */
export const ARCHIVE_CONFIG = 'qemu-server.conf';

/** A disk's image inside an archive. */
export const archivedImage = (dir: string, diskKey: string) => join(dir, `${diskKey}.qcow2`);

/** Half-written archives carry this suffix until they are complete (then renamed to the volume's name). */
const PARTIAL = '.partial';

/** How long copying one disk may take (a stopped VM's convert, a running VM's backup job). */
export const DISK_COPY_TIMEOUT_MS = 30 * 60_000;

export class BackupArchives {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(resolve(stateDir), 'dump');
  }

  /** Where the archive of `backup` lives (it may not exist). */
  dirOf(backup: Pick<SimBackup, 'volid' | 'storage'>): string {
    const prefix = `${backup.storage}:backup/`;
    const file = backup.volid.slice(prefix.length);
    if (!STORAGE_ID.test(backup.storage) || !backup.volid.startsWith(prefix) || !ARCHIVE_FILE.test(file))
      throw new Error(`unable to parse backup volume name '${backup.volid}'`);
    return join(this.dir, backup.storage, file);
  }

  /** The directory a new archive is written into; `commit` moves it to its place. */
  async begin(backup: SimBackup): Promise<string> {
    const partial = `${this.dirOf(backup)}${PARTIAL}`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    await writeFile(join(partial, ARCHIVE_CONFIG), configText(backup.config ?? {}));
    return partial;
  }

  /** Replaces any archive of the same name (two backups of one guest within a second) by the new one. */
  async commit(backup: SimBackup, partial: string): Promise<{ dir: string; bytes: number }> {
    const dir = this.dirOf(backup);
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
    return { dir, bytes: await sizeOf(dir) };
  }

  async abandon(partial: string): Promise<void> {
    await rm(partial, { recursive: true, force: true });
  }

  /** The archive of `backup`, or a PVE-like refusal when there is none. */
  existing(backup: SimBackup): string {
    const dir = this.dirOf(backup);
    if (!existsSync(join(dir, ARCHIVE_CONFIG))) throw new Error(`can't find archive '${dir}'`);
    return dir;
  }

  /** Removes the archive of `backup`; false when there was none. */
  async remove(backup: SimBackup): Promise<boolean> {
    const dir = this.dirOf(backup);
    const existed = existsSync(dir);
    await rm(dir, { recursive: true, force: true });
    return existed;
  }
}

/**
 * The config as vzdump stores it (qemu-server's format): the description as `#` lines on top, then `key: value`
 * lines (no lock, no snapshot sections).
 */
function configText(config: Record<string, string>): string {
  const { description, ...rest } = config;
  const comments = description === undefined ? [] : description.split('\n').map((line) => `#${line}\n`);
  return [...comments, ...Object.entries(rest).map(([key, value]) => `${key}: ${value}\n`)].join('');
}

/** Bytes of the files in a directory (not recursive: archives are flat). */
export async function sizeOf(dir: string): Promise<number> {
  const names = await readdir(dir);
  const sizes = await Promise.all(names.map(async (name) => (await stat(join(dir, name))).size));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** Whether the backup asked for compression (`compress` 0 gives a plain `.vma`). */
export const wantsCompression = (backup: SimBackup): boolean => archiveFormat(backup) !== 'vma';

let zstdClusters: Promise<boolean> | undefined;

/** qcow2's zstd cluster compression (QEMU 5.1+, when built with zstd); zlib otherwise. */
function qcow2HasZstd(): Promise<boolean> {
  zstdClusters ??= runCommand('qemu-img', ['create', '-f', 'qcow2', '-o', 'help'])
    .then((help) => /compression_type/.test(help))
    .catch(() => false);
  return zstdClusters;
}

/** `-o` options of an archive image: zstd clusters when compressed and available. */
async function archiveImageOptions(compress: boolean): Promise<string[]> {
  return compress && (await qcow2HasZstd()) ? ['-o', 'compression_type=zstd'] : [];
}

/** An empty archive image of `virtualSize` bytes, for a running VM's backup job to fill. */
export async function createArchiveImage(
  file: string,
  virtualSize: number,
  compress: boolean,
): Promise<void> {
  await runCommand('qemu-img', [
    'create',
    '-q',
    '-f',
    'qcow2',
    ...(await archiveImageOptions(compress)),
    file,
    String(virtualSize),
  ]);
}

/** A stopped VM's disk into the archive: the whole chain read, only allocated data written. */
export async function convertIntoArchive(source: string, file: string, compress: boolean): Promise<void> {
  await runCommand(
    'qemu-img',
    [
      'convert',
      '-O',
      'qcow2',
      ...(compress ? ['-c'] : []),
      ...(await archiveImageOptions(compress)),
      source,
      file,
    ],
    DISK_COPY_TIMEOUT_MS,
  );
}

/** An archived disk back into a VM image (uncompressed, standalone, sparse). */
export async function convertFromArchive(file: string, target: string): Promise<void> {
  await runCommand('qemu-img', ['convert', '-O', 'qcow2', file, target], DISK_COPY_TIMEOUT_MS);
}

/** An image's virtual size (bytes the guest sees). */
export async function virtualSizeOf(file: string): Promise<number> {
  const json = await runCommand('qemu-img', ['info', '-U', '--output=json', file]);
  return (JSON.parse(json) as { 'virtual-size': number })['virtual-size'];
}
