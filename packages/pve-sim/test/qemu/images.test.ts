import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { DiskImages } from '../../src/qemu/images.js';
import { tempDir } from './support/temp-dir.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

async function info(
  file: string,
): Promise<{ 'virtual-size': number; 'backing-filename'?: string; format: string }> {
  return JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', file])).stdout);
}

describe('disk images', () => {
  let stateDir: string;
  let templateDisk: string;
  let images: DiskImages;

  beforeAll(async () => {
    const dir = tempDir('images');
    templateDisk = join(dir, 'template.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', templateDisk, String(2 * MiB)]);
    stateDir = join(dir, 'state');
    images = new DiskImages(stateDir, { vmid: 9000, disk: templateDisk });
  });

  it('maps volumes to files, the template base to the template disk', () => {
    expect(images.fileOf('base-9000-disk-0')).toBe(templateDisk);
    expect(images.fileOf('base-9000-disk-0/vm-101-disk-0')).toBe(
      join(stateDir, 'images', 'vm-101-disk-0.qcow2'),
    );
    expect(images.fileOf('vm-102-disk-1')).toBe(join(stateDir, 'images', 'vm-102-disk-1.qcow2'));
    expect(() => images.fileOf('../escape')).toThrow(/unable to parse volume name/);
  });

  it('makes a linked clone as an overlay on the template disk, which stays untouched', async () => {
    const before = statSync(templateDisk).mtimeMs;
    await images.createLinked('base-9000-disk-0', 'vm-101-disk-0');
    const clone = await info(images.fileOf('vm-101-disk-0'));
    expect(clone.format).toBe('qcow2');
    expect(clone['backing-filename']).toBe(templateDisk);
    expect(clone['virtual-size']).toBe(2 * MiB);
    await images.growTo('vm-101-disk-0', 4 * MiB);
    expect((await info(images.fileOf('vm-101-disk-0')))['virtual-size']).toBe(4 * MiB);
    await images.growTo('vm-101-disk-0', 1 * MiB);
    expect((await info(images.fileOf('vm-101-disk-0')))['virtual-size']).toBe(4 * MiB);
    expect(statSync(templateDisk).mtimeMs).toBe(before);
  });

  it('makes a full clone as an independent copy', async () => {
    await images.copyFull('base-9000-disk-0/vm-101-disk-0', 'vm-102-disk-0');
    const copy = await info(images.fileOf('vm-102-disk-0'));
    expect(copy['backing-filename']).toBeUndefined();
    expect(copy['virtual-size']).toBe(4 * MiB);
  });

  it('turns a VM disk into a read-only base image that linked clones back onto', async () => {
    await images.copyFull('base-9000-disk-0', 'vm-104-disk-0');
    await images.makeBase('vm-104-disk-0', 'base-104-disk-0');
    const base = images.fileOf('base-104-disk-0');
    expect(existsSync(images.fileOf('vm-104-disk-0'))).toBe(false);
    expect(statSync(base).mode & 0o222).toBe(0);
    await images.createLinked('base-104-disk-0', 'vm-105-disk-0');
    expect((await info(images.fileOf('vm-105-disk-0')))['backing-filename']).toBe(base);
    expect(await images.removeAllOf(104)).toEqual(['base-104-disk-0']);
    expect(existsSync(base)).toBe(false);
    await images.remove('vm-105-disk-0');
  });

  it('never writes the template base', async () => {
    await expect(images.growTo('base-9000-disk-0', 8 * MiB)).rejects.toThrow(/refusing to write/);
    await expect(images.remove('base-9000-disk-0')).rejects.toThrow(/refusing to write/);
    expect(existsSync(templateDisk)).toBe(true);
  });

  it('removes one volume or every volume of a VM', async () => {
    await images.createLinked('base-9000-disk-0', 'vm-103-disk-0');
    await images.createLinked('base-9000-disk-0', 'vm-103-disk-1');
    await images.remove('vm-103-disk-1');
    expect(existsSync(images.fileOf('vm-103-disk-1'))).toBe(false);
    expect(await images.removeAllOf(103)).toEqual(['vm-103-disk-0']);
    expect(existsSync(images.fileOf('vm-103-disk-0'))).toBe(false);
    expect(existsSync(images.fileOf('vm-101-disk-0'))).toBe(true);
  });
});
