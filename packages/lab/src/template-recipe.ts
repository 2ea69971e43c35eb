// Everything that decides what the template image contains. Its hash names the cache entry, so changing any
// of it (or bumping TEMPLATE_RECIPE_VERSION when the build steps change) makes the next build a fresh one.
import { createHash } from 'node:crypto';
import { LAB_APT_PROXY } from './addresses.js';

export const TEMPLATE_RECIPE_VERSION = 1;
export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
export const ROOT_LABEL = 'guildroot';
export const DISK_SIZE_BYTES = 4 * 1024 ** 3;

/** Installed with apt on top of debootstrap's minbase, without recommended packages. */
export const TEMPLATE_PACKAGES = [
  'linux-image-cloud-amd64',
  'initramfs-tools',
  'zstd',
  'systemd',
  'systemd-sysv',
  'udev',
  'dbus',
  'qemu-guest-agent',
  'cloud-init',
  // cloud-init renders the network config for netplan, which hands it to systemd-networkd (in `systemd`).
  'netplan.io',
  'cloud-guest-utils',
  'openssh-server',
  'python3',
  'sudo',
  'netbase',
  'ca-certificates',
  'iproute2',
  'iputils-ping',
  'e2fsprogs',
  'procps',
];

/** The kernel command line: the NIC is eth0, the console the first serial port. */
export const KERNEL_APPEND = `root=LABEL=${ROOT_LABEL} ro console=ttyS0 net.ifnames=0 biosdevname=0`;

/** Files written into the root after debootstrap, by path. */
export const TEMPLATE_FILES: Record<string, string> = {
  '/etc/fstab': `LABEL=${ROOT_LABEL} / ext4 errors=remount-ro 0 1\n`,
  '/etc/hostname': 'localhost\n',
  '/etc/hosts': '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n',
  // Nothing resolves names in the lab; apt reaches Debian through the proxy, which does.
  '/etc/resolv.conf': '',
  '/etc/apt/sources.list': [
    `deb ${DEBIAN_MIRROR} ${DEBIAN_SUITE} main`,
    `deb ${DEBIAN_MIRROR} ${DEBIAN_SUITE}-updates main`,
    `deb http://deb.debian.org/debian-security ${DEBIAN_SUITE}-security main`,
    '',
  ].join('\n'),
  '/etc/apt/apt.conf.d/90guildserver-lab-proxy': `Acquire::http::Proxy "http://${LAB_APT_PROXY}";\n`,
  '/etc/cloud/cloud.cfg.d/90_guildserver_lab.cfg': [
    '# GuildServer lab: the seed comes as Proxmox makes it, a NoCloud ISO (cidata) or a config drive.',
    'datasource_list: [NoCloud, ConfigDrive, None]',
    '# Built into glibc: no locale to generate (the default, en_US.UTF-8, is not generated here).',
    'locale: C.UTF-8',
    '# The hostname resolves without DNS (else sudo complains on every call).',
    'manage_etc_hosts: true',
    'system_info:',
    '  network:',
    '    renderers: [netplan]',
    '',
  ].join('\n'),
};

/** Units enabled in the template. networkd must be in the first boot's transaction: cloud-init writes the
 * netplan config only after systemd's generators ran, too late for netplan to enable networkd itself. */
export const ENABLED_UNITS = ['systemd-networkd.service', 'ssh.service'];

export function recipeHash(): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        TEMPLATE_RECIPE_VERSION,
        DEBIAN_SUITE,
        DEBIAN_MIRROR,
        ROOT_LABEL,
        DISK_SIZE_BYTES,
        TEMPLATE_PACKAGES,
        KERNEL_APPEND,
        TEMPLATE_FILES,
        ENABLED_UNITS,
      }),
    )
    .digest('hex')
    .slice(0, 16);
}
