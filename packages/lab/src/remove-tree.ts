import { readFile, rm } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { runQuietly } from './run.js';

/**
 * `rm -rf` that first unmounts whatever is mounted below `path`: a debootstrap that died can leave the
 * host's /proc, /sys or /dev mounted inside its root, and deleting through those would hurt the host.
 */
export async function removeTree(path: string): Promise<void> {
  const top = resolve(path);
  const mounts = (await readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[1]?.replaceAll('\\040', ' '))
    .filter((mountPoint): mountPoint is string => !!mountPoint && mountPoint.startsWith(top + sep))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) await runQuietly('umount', ['--lazy', mountPoint]);
  const stillMounted = (await readFile('/proc/self/mounts', 'utf8')).includes(` ${top}${sep}`);
  if (stillMounted) throw new Error(`something is still mounted below ${top}; not deleting it`);
  await rm(top, { recursive: true, force: true });
}
