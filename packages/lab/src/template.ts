// The lab's VM template, built once per recipe and cached:
//   $GUILDSERVER_CACHE_DIR/lab-template/<recipe hash>/{disk.qcow2, vmlinuz, initrd.img, manifest.json}
// It is built in a sibling directory and renamed into place, so a directory under its final name is complete.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { startAptCacheProxy } from './apt-cache-proxy.js';
import { cacheDir } from './cache-dir.js';
import type { Expected } from './deadline.js';
import { acquireDirLock } from './lock.js';
import { removeTree } from './remove-tree.js';
import { missingCommands } from './run.js';
import { copyBootFiles, makeDiskImage } from './template-image.js';
import { KERNEL_APPEND, recipeHash } from './template-recipe.js';
import { buildRoot } from './template-root.js';

export interface TemplateImage {
  /** The cache entry holding the files below. */
  dir: string;
  /** qcow2 with the root file system (ext4, label guildroot, 4 GiB). Never write to it: use an overlay. */
  disk: string;
  kernel: string;
  initrd: string;
  /** The kernel command line to boot `disk` with. */
  append: string;
  /** False when the image came from the cache. */
  built: boolean;
  /** Seconds this call took (building, or finding the cached image). */
  seconds: number;
}

export interface BuildTemplateOptions {
  /** Defaults to $GUILDSERVER_CACHE_DIR (or ~/.cache/guildserver). */
  cacheDir?: string;
  /** Rebuild even when a cached image exists. */
  force?: boolean;
  log?: (line: string) => void;
}

const MANIFEST = 'manifest.json';

/** A build from an empty apt cache on the reference host (`pnpm lab:template`: 178 s, no VM running). */
export const TEMPLATE_BUILD_TIME: Expected = { seconds: 180, vmsAtOnce: 0 };

export async function buildTemplate(options: BuildTemplateOptions = {}): Promise<TemplateImage> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => console.log(`[lab-template] ${line}`));
  const cache = options.cacheDir ?? cacheDir();
  const dir = join(cache, 'lab-template', recipeHash());
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;

  if (!options.force && existsSync(join(dir, MANIFEST))) return reused(dir, seconds(), log);
  await mkdir(dirname(dir), { recursive: true });
  const release = await acquireDirLock(`${dir}.lock`, {
    timeoutMs: 30 * 60_000,
    onWait: (pid) => log(`waiting for the build in process ${pid}`),
  });
  try {
    if (!options.force && existsSync(join(dir, MANIFEST))) return reused(dir, seconds(), log);
    await removeAbandonedBuilds(dir);
    const building = `${dir}.building-${process.pid}`;
    await mkdir(building, { recursive: true });
    try {
      log(`building ${dir} (debootstrap, a few minutes)`);
      await buildInto(building, join(cache, 'apt-archives'));
      const image = imageIn(dir, { built: true, seconds: seconds() });
      await writeFile(join(building, MANIFEST), `${JSON.stringify(image, null, 2)}\n`);
      await removeTree(dir);
      await rename(building, dir);
      log(`built in ${image.seconds} s: ${image.disk}`);
      return image;
    } catch (error) {
      // Kept to look into; the next build of this recipe removes it.
      throw new Error(`building the template failed (the build is in ${building}): ${String(error)}`);
    }
  } finally {
    release();
  }
}

async function buildInto(building: string, aptArchives: string): Promise<void> {
  const root = join(building, 'root');
  // debootstrap's downloads go through the caching proxy, so a rebuild takes its .debs from the cache.
  const proxy = await startAptCacheProxy('127.0.0.1', aptArchives);
  let boot: Awaited<ReturnType<typeof buildRoot>>;
  try {
    boot = await buildRoot(root, proxy.url);
  } finally {
    await proxy.close();
  }
  await makeDiskImage(root, join(building, 'disk.qcow2'));
  await copyBootFiles(boot, building);
  await removeTree(root);
  // A reminder, not a protection (root ignores it): the template is only ever a backing file.
  await chmod(join(building, 'disk.qcow2'), 0o444);
}

async function reused(dir: string, seconds: number, log: (line: string) => void): Promise<TemplateImage> {
  JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')); // a corrupt manifest fails here, not later
  log(`reused ${dir} (${seconds} s)`);
  return imageIn(dir, { built: false, seconds });
}

function imageIn(dir: string, outcome: { built: boolean; seconds: number }): TemplateImage {
  return {
    dir,
    disk: join(dir, 'disk.qcow2'),
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
    append: KERNEL_APPEND,
    ...outcome,
  };
}

/** Build directories of this recipe left by a crashed run (we hold the lock: nobody else is building). */
async function removeAbandonedBuilds(dir: string): Promise<void> {
  const prefix = `${basename(dir)}.building-`;
  for (const name of await readdir(dirname(dir))) {
    if (name.startsWith(prefix)) await removeTree(join(dirname(dir), name));
  }
}

/** The host tools a template build needs, as the Debian packages to install; empty when all are there. */
export async function missingTemplateTools(): Promise<string[]> {
  const missing = await missingCommands({
    debootstrap: 'debootstrap',
    'mkfs.ext4': 'e2fsprogs',
    'qemu-img': 'qemu-utils',
    unshare: 'util-linux',
  });
  if (process.getuid?.() !== 0) missing.push('(root: debootstrap and chroot need it)');
  return missing;
}
