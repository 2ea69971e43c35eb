// The template's root file system: a debootstrapped Debian with the recipe's packages and files, then sealed
// as a Proxmox template is before it is cloned (nothing that must differ between clones is left in it).
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from './run.js';
import {
  DEBIAN_MIRROR,
  DEBIAN_SUITE,
  ENABLED_UNITS,
  TEMPLATE_FILES,
  TEMPLATE_PACKAGES,
} from './template-recipe.js';

export interface KernelFiles {
  /** Absolute paths inside `root`. */
  kernel: string;
  initrd: string;
  version: string;
}

/**
 * Debootstraps a minimal `root`, then installs the recipe's packages with apt inside it (apt, unlike
 * debootstrap, resolves virtual packages). Downloads go through `httpProxy` (a caching proxy) when given.
 */
export async function buildRoot(root: string, httpProxy?: string): Promise<KernelFiles> {
  await run('debootstrap', ['--variant=minbase', DEBIAN_SUITE, root, DEBIAN_MIRROR], {
    env: httpProxy ? { ...process.env, http_proxy: httpProxy } : process.env,
  });
  for (const [path, content] of Object.entries(TEMPLATE_FILES)) {
    // debootstrap copies the host's resolv.conf and hosts: replace, not write through a symlink.
    await rm(join(root, path), { force: true });
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content, { mode: 0o644 });
  }
  await installPackages(root, httpProxy);
  await run('chroot', [root, 'systemctl', 'enable', ...ENABLED_UNITS]);
  await sealAsTemplate(root);
  const kernel = await kernelFiles(root);
  await checkInitramfsDrivers(root, kernel.initrd);
  return kernel;
}

async function installPackages(root: string, httpProxy?: string): Promise<void> {
  // Services must not start in the build's chroot; removed again below.
  const policy = join(root, 'usr/sbin/policy-rc.d');
  await writeFile(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  const apt = [
    'apt-get',
    '-q',
    '-y',
    '-o',
    `Acquire::http::Proxy=${httpProxy ?? 'DIRECT'}`,
    '-o',
    'Dpkg::Options::=--force-confdef',
  ].join(' ');
  const script = [
    // A private mount namespace: /proc and /sys (for the kernel's and systemd's scripts) vanish with it,
    // even if this build is killed.
    'mount -t proc proc /proc',
    'mount -t sysfs sysfs /sys',
    `${apt} update`,
    `${apt} upgrade`,
    `${apt} install --no-install-recommends ${TEMPLATE_PACKAGES.join(' ')}`,
  ].join(' && ');
  try {
    await run('unshare', ['--mount', '--propagation', 'private', 'chroot', root, 'sh', '-c', script], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C.UTF-8' },
    });
  } finally {
    await rm(policy, { force: true });
  }
}

/** Leaves out what every clone must make for itself: cloud-init and systemd do it at first boot. */
async function sealAsTemplate(root: string): Promise<void> {
  await writeFile(join(root, 'etc/machine-id'), '');
  await rm(join(root, 'var/lib/dbus/machine-id'), { force: true });
  for (const name of await readdir(join(root, 'etc/ssh'))) {
    if (name.startsWith('ssh_host_')) await rm(join(root, 'etc/ssh', name));
  }
  await rm(join(root, 'var/lib/cloud'), { recursive: true, force: true });
  for (const name of await readdir(join(root, 'var/log'))) {
    if (name.startsWith('cloud-init')) await rm(join(root, 'var/log', name), { force: true });
  }
  await run('chroot', [root, 'apt-get', 'clean']);
  // The package lists are stale by the time a clone boots; clones run apt-get update.
  for (const name of await readdir(join(root, 'var/lib/apt/lists'))) {
    if (!['partial', 'auxfiles', 'lock'].includes(name)) await rm(join(root, 'var/lib/apt/lists', name));
  }
}

async function kernelFiles(root: string): Promise<KernelFiles> {
  const boot = await readdir(join(root, 'boot'));
  const kernels = boot.filter((name) => name.startsWith('vmlinuz-'));
  if (kernels.length !== 1) throw new Error(`expected one kernel in ${root}/boot, found: ${boot.join(', ')}`);
  const version = kernels[0]!.slice('vmlinuz-'.length);
  if (!boot.includes(`initrd.img-${version}`)) throw new Error(`no initrd.img-${version} in ${root}/boot`);
  return {
    kernel: join(root, 'boot', `vmlinuz-${version}`),
    initrd: join(root, 'boot', `initrd.img-${version}`),
    version,
  };
}

/** The cloud kernel has virtio as modules: without them in the initramfs it cannot find its root disk. */
async function checkInitramfsDrivers(root: string, initrd: string): Promise<void> {
  const listing = await run('chroot', [root, 'lsinitramfs', initrd.slice(root.length)]);
  const missing = ['virtio_blk.ko', 'virtio_pci.ko'].filter((module) => !listing.includes(module));
  if (missing.length > 0) throw new Error(`the initramfs lacks ${missing.join(', ')}`);
}
