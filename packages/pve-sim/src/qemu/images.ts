// Disk volumes as qcow2 files: `<stateDir>/images/<volume>.qcow2`, except the template's base volume, which is
// the template disk handed in (read by linked clones as their backing file, never written).
import { chmod, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runCommand } from './run-command.js';

export interface TemplateDisk {
  vmid: number;
  /** The template image (qcow2 or raw); linked clones point at it as their backing file. */
  disk: string;
}

interface ImageInfo {
  format: string;
  virtualSize: number;
}

/** `vm-101-disk-0`, or a linked clone's `base-9000-disk-0/vm-101-disk-0`. */
const VOLUME_NAME = /^(?:[A-Za-z0-9][A-Za-z0-9_.+-]*\/)?[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

export class DiskImages {
  readonly dir: string;

  constructor(
    stateDir: string,
    private readonly template: TemplateDisk,
  ) {
    this.dir = join(resolve(stateDir), 'images');
  }

  /** A linked clone's volume reads `base-9000-disk-0/vm-101-disk-0`: the file is the part after the slash. */
  fileOf(volume: string): string {
    if (this.isTemplateBase(volume)) return resolve(this.template.disk);
    if (!VOLUME_NAME.test(volume)) throw new Error(`unable to parse volume name '${volume}'`);
    return join(this.dir, `${ownVolumeName(volume)}.qcow2`);
  }

  /**
   * Where a VM state volume's content (a QEMU migration stream) is kept: beside the disk images, named after
   * the volume (`local-lvm:vm-101-state-suspend-2026-04-01` → `vm-101-state-suspend-2026-04-01.vmstate`), so
   * removeAllOf takes it with the VM's disks.
   */
  stateFileOf(stateVolume: string): string {
    const volume = stateVolume.slice(stateVolume.indexOf(':') + 1);
    if (!VOLUME_NAME.test(volume)) throw new Error(`unable to parse volume name '${volume}'`);
    return join(this.dir, `${ownVolumeName(volume).replace(/\.raw$/, '')}.vmstate`);
  }

  isTemplateBase(volume: string): boolean {
    return volume === `base-${this.template.vmid}-disk-0`;
  }

  async info(volume: string): Promise<ImageInfo> {
    // -U: the image may be open in a running VM.
    const json = await runCommand('qemu-img', ['info', '-U', '--output=json', this.fileOf(volume)]);
    const parsed = JSON.parse(json) as { format: string; 'virtual-size': number };
    return { format: parsed.format, virtualSize: parsed['virtual-size'] };
  }

  /** A qcow2 overlay on the source volume: the source is only read from then on. */
  async createLinked(sourceVolume: string, newVolume: string): Promise<void> {
    const base = this.fileOf(sourceVolume);
    const { format } = await this.info(sourceVolume);
    await mkdir(this.dir, { recursive: true });
    await runCommand('qemu-img', [
      'create',
      '-f',
      'qcow2',
      '-F',
      format,
      '-b',
      base,
      this.writable(newVolume),
    ]);
  }

  /**
   * Turns a VM's image into a base image (PVE's `create_base`): renamed to the base volume's name and made
   * read-only, so that linked clones can back onto it and nothing writes it any more.
   */
  async makeBase(volume: string, baseVolume: string): Promise<void> {
    const target = this.writable(baseVolume);
    await rename(this.writable(volume), target);
    await chmod(target, 0o444);
  }

  /** An independent copy (backing chains flattened). */
  async copyFull(sourceVolume: string, newVolume: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await runCommand(
      'qemu-img',
      ['convert', '-U', '-O', 'qcow2', this.fileOf(sourceVolume), this.writable(newVolume)],
      30 * 60_000,
    );
  }

  /** Grows the image to `sizeBytes` when it is smaller (never shrinks). */
  async growTo(volume: string, sizeBytes: number): Promise<void> {
    const { virtualSize } = await this.info(volume);
    if (sizeBytes > virtualSize)
      await runCommand('qemu-img', ['resize', this.writable(volume), String(sizeBytes)]);
  }

  async remove(volume: string): Promise<void> {
    await rm(this.writable(volume), { force: true });
  }

  /** Removes every image owned by the VM (`vm-<vmid>-*`, `base-<vmid>-*`), whatever config key names it. */
  async removeAllOf(vmid: number): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const owned = names.filter((name) => name.startsWith(`vm-${vmid}-`) || name.startsWith(`base-${vmid}-`));
    await Promise.all(owned.map((name) => rm(join(this.dir, name), { force: true })));
    return owned.map((name) => name.replace(/\.qcow2$/, ''));
  }

  /**
   * Where a volume's new content is written before it replaces the volume (`adopt`): in the images directory,
   * under a name no VM's volume has (removeAllOf leaves it alone).
   */
  async stagingFile(volume: string): Promise<string> {
    this.writable(volume);
    await mkdir(this.dir, { recursive: true });
    return join(this.dir, `.staged-${ownVolumeName(volume)}.qcow2`);
  }

  /** Makes a staged file the volume's image, replacing what the volume had. */
  async adopt(staged: string, volume: string): Promise<void> {
    await rename(staged, this.writable(volume));
  }

  private writable(volume: string): string {
    if (this.isTemplateBase(volume))
      throw new Error(`refusing to write the template's base image (${volume})`);
    return this.fileOf(volume);
  }
}

export function ownVolumeName(volume: string): string {
  return volume.slice(volume.lastIndexOf('/') + 1);
}
