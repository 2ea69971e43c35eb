// Pure rules about VM configuration: disks, MACs, what applies live, how values read back.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SimVm } from './model.js';

export const DISK_KEY = /^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$/;
const NET_KEY = /^net\d+$/;
const CLOUDINIT_KEYS =
  /^(ciuser|cipassword|citype|ciupgrade|cicustom|sshkeys|nameserver|searchdomain|ipconfig\d+)$/;

/** Options PVE applies at once even while the VM runs (qemu-server's `$fast_plug_option`). */
const FAST_PLUG = new Set([
  'description',
  'hookscript',
  'lock',
  'migrate_downtime',
  'migrate_speed',
  'name',
  'onboot',
  'protection',
  'shares',
  'startup',
  'tags',
  'vmstatestorage',
]);

export interface DiskSpec {
  key: string;
  storage: string;
  volume: string;
  sizeBytes: number;
  isCloudInit: boolean;
}

const UNIT: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(text);
  if (!match) return Number.NaN;
  return Math.round(Number(match[1]) * (match[2] ? UNIT[match[2]]! : 1));
}

export function formatSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    if (bytes % UNIT[unit]! === 0) return `${bytes / UNIT[unit]!}${unit}`;
  }
  return String(bytes);
}

/** The VM's memory in MiB (qemu-server's get_current_memory): an integer or, from PVE 8.1, `current=N,...`. */
export function currentMemoryMiB(value: string | undefined): number {
  const match = /(?:^|current=)(\d+)/.exec(value ?? '');
  return match ? Number(match[1]) : 512;
}

export function parseDisk(key: string, value: string): DiskSpec | undefined {
  if (!DISK_KEY.test(key)) return undefined;
  const [volid = '', ...options] = value.split(',');
  const colon = volid.indexOf(':');
  if (colon < 0) return undefined;
  const sizeOption = options.find((o) => o.startsWith('size='));
  return {
    key,
    storage: volid.slice(0, colon),
    volume: volid.slice(colon + 1),
    sizeBytes: sizeOption ? parseSize(sizeOption.slice(5)) : 0,
    isCloudInit: volid.includes('-cloudinit'),
  };
}

export function disksOf(config: Record<string, string>): DiskSpec[] {
  return Object.entries(config)
    .map(([key, value]) => parseDisk(key, value))
    .filter((d): d is DiskSpec => d !== undefined);
}

export function setDiskSize(value: string, bytes: number): string {
  const parts = value.split(',').filter((p) => !p.startsWith('size='));
  return [...parts, `size=${formatSize(bytes)}`].join(',');
}

/** A locally administered MAC with Proxmox's BC:24:11 prefix, as PVE generates. */
export function randomMac(): string {
  const tail = [...randomBytes(3)].map((b) => b.toString(16).toUpperCase().padStart(2, '0'));
  return ['BC', '24', '11', ...tail].join(':');
}

/** `virtio=AA:..,bridge=vmbr0` or `virtio,bridge=...`: gives the NIC a MAC when it has none. */
export function withMac(net: string, mac = randomMac()): string {
  const [model = 'virtio', ...rest] = net.split(',');
  const modelName = model.split('=')[0]!;
  if (model.includes('=') && /^[a-z0-9]+=[0-9A-Fa-f:]{17}$/.test(model)) return net;
  const macOption = rest.find((r) => r.startsWith('macaddr='));
  if (macOption)
    return [`${modelName}=${macOption.slice(8)}`, ...rest.filter((r) => r !== macOption)].join(',');
  return [`${modelName}=${mac}`, ...rest].join(',');
}

/** The volume's own name: a linked clone's `base-9000-disk-0/vm-101-disk-0` is `vm-101-disk-0`. */
export function ownVolumeName(volume: string): string {
  return volume.slice(volume.lastIndexOf('/') + 1);
}

/** The base a linked clone's volume was cloned from (`base-9000-disk-0/vm-101-disk-0` → `base-9000-disk-0`). */
export function baseVolumeName(volume: string): string | undefined {
  const slash = volume.lastIndexOf('/');
  return slash < 0 ? undefined : volume.slice(0, slash);
}

/**
 * The volume a drive becomes when its VM turns into a template (PVE's `create_base`): `vm-` → `base-` in its
 * own name; a linked clone's volume keeps its base (`base-9000-disk-0/base-101-disk-0`).
 */
export function baseVolumeFor(volume: string): string | undefined {
  const own = ownVolumeName(volume);
  if (!own.startsWith('vm-')) return undefined;
  const base = baseVolumeName(volume);
  const renamed = `base-${own.slice(3)}`;
  return base === undefined ? renamed : `${base}/${renamed}`;
}

/** `storage:volume` of every volume a config names (drives and `unusedN`), media=cdrom drives excepted. */
export function volumesOf(config: Record<string, string>): string[] {
  const volids: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (!DISK_KEY.test(key) && !/^unused\d+$/.test(key)) continue;
    if (value.includes('media=cdrom')) continue;
    const volid = value.split(',')[0] ?? '';
    if (volid.includes(':')) volids.push(volid);
  }
  return volids;
}

/**
 * PVE's tag normalisation (GuestHelpers `get_unique_tags`, datacenter defaults): split on `;`, `,` and
 * spaces, sorted and lower-cased case-insensitively, duplicates dropped, joined with `;`.
 */
export function uniqueTags(text: string): string {
  const tags = text.split(/[;,\s\0]+/).filter(Boolean);
  const sorted = [...tags].sort((a, b) => {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return [...new Set(sorted.map((tag) => tag.toLowerCase()))].join(';');
}

export function renameForClone(
  config: Record<string, string>,
  newid: number,
  full: boolean,
  fullStorage?: string,
): Record<string, string> {
  const next: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === 'template' || key === 'lock' || key === 'digest') continue;
    const disk = parseDisk(key, value);
    if (disk && !value.includes('media=cdrom')) {
      const options = value.split(',').slice(1).join(',');
      const diskIndex = /disk-(\d+)$/.exec(disk.volume)?.[1] ?? '0';
      const volume = full
        ? `${fullStorage ?? disk.storage}:vm-${newid}-disk-${diskIndex}`
        : `${disk.storage}:${ownVolumeName(disk.volume)}/vm-${newid}-disk-${diskIndex}`;
      next[key] = options ? `${volume},${options}` : volume;
    } else if (disk?.isCloudInit) {
      next[key] = `${disk.storage}:vm-${newid}-cloudinit,media=cdrom`;
    } else if (NET_KEY.test(key)) {
      next[key] = withMac(value.replace(/^([a-z0-9]+)=[0-9A-Fa-f:]{17}/, '$1'));
    } else if (key === 'smbios1') {
      next[key] = `uuid=${randomUUID()}`;
    } else if (key === 'vmgenid') {
      next[key] = randomUUID();
    } else {
      next[key] = value;
    }
  }
  return next;
}

/** Whether a change to `key` on a running VM waits for the next start. */
export function staysPending(key: string): boolean {
  if (FAST_PLUG.has(key)) return false;
  if (NET_KEY.test(key) || (DISK_KEY.test(key) && !key.startsWith('efidisk') && !key.startsWith('tpmstate')))
    return false;
  return true;
}

export function isCloudInitKey(key: string): boolean {
  return CLOUDINIT_KEYS.test(key);
}

export function applyPending(vm: SimVm): void {
  for (const [key, value] of Object.entries(vm.pending)) vm.config[key] = value;
  for (const key of vm.pendingDelete) delete vm.config[key];
  vm.pending = {};
  vm.pendingDelete = [];
}

/** The SHA-1 digest PVE uses to detect concurrent edits. */
export function configDigest(config: Record<string, string>): string {
  const text = Object.keys(config)
    .filter((k) => k !== 'digest')
    .sort()
    .map((k) => `${k}: ${config[k]}`)
    .join('\n');
  return createHash('sha1').update(text).digest('hex');
}
