// The template's disk: an unpartitioned ext4 file system made straight from a directory (mkfs.ext4 -d, so no
// loop device or mount), as a sparse qcow2. The guest boots it with QEMU's direct kernel boot.
import { copyFile, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './run.js';
import { DISK_SIZE_BYTES, ROOT_LABEL } from './template-recipe.js';

export async function makeDiskImage(root: string, disk: string): Promise<void> {
  const raw = `${disk}.raw`;
  const file = await open(raw, 'w');
  await file.truncate(DISK_SIZE_BYTES);
  await file.close();
  try {
    await run('mkfs.ext4', ['-q', '-F', '-L', ROOT_LABEL, '-d', root, raw]);
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, disk]);
  } finally {
    await rm(raw, { force: true });
  }
}

/** Copies the kernel and initrd out of the root so QEMU can boot them with -kernel/-initrd. */
export async function copyBootFiles(
  from: { kernel: string; initrd: string },
  toDir: string,
): Promise<{ kernel: string; initrd: string }> {
  const kernel = join(toDir, 'vmlinuz');
  const initrd = join(toDir, 'initrd.img');
  await copyFile(from.kernel, kernel);
  await copyFile(from.initrd, initrd);
  return { kernel, initrd };
}
