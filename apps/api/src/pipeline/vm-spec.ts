// What a game server's VM should look like, and the smallest config change that gets it there. Pure.
import type { ProxmoxConfig } from '@guildserver/config';
import type { GameDefinition } from '@guildserver/games';
import { decodeTags, type QemuConfig, type QemuConfigUpdate } from '@guildserver/proxmox';
import { descriptionMarker, OUR_TAG, serverTag } from './ownership.js';

/** The account cloud-init creates in every VM (the operators' `gameserver`); Ansible signs in as it with PROXMOX_SSH_PUBLIC_KEY. */
export const VM_USER = 'gameserver';

export interface VmSpecServer {
  id: string;
  name: string;
  guildId: string;
  ownerId: string;
  cores: number;
  memoryMiB: number;
  diskGiB: number;
}

export interface DesiredVm {
  cores: number;
  memory: number;
  /** 0: no balloon device. A game keeps its memory; Java and Unity servers behave badly when it is reclaimed. */
  balloon: number;
  cpu: string;
  bridge: string;
  vlanTag: number | undefined;
  ipconfig0: string;
  ciuser: string;
  sshkeys: readonly string[];
  cicustom: string | undefined;
  tags: readonly string[];
  description: string;
  /** Started with the host. Default true; a stopped pool VM waits stopped. */
  onboot?: boolean;
  /**
   * false: no package upgrade by cloud-init on the first boot (`ciupgrade=0`, PVE 8+), for VMs cloned from a game
   * image: it was built with current packages, and unattended-upgrades keeps them so. Default: as PVE has it.
   */
  firstBootUpgrade?: false;
}

export function describeVm(server: VmSpecServer, game: GameDefinition): string {
  return [
    `GuildServer game server '${server.name}' (${game.name}) of Discord guild ${server.guildId}, owner ${server.ownerId}.`,
    'Managed by GuildServer: changes made here may be undone; delete it through GuildServer.',
    descriptionMarker(server.id),
  ].join('\n');
}

/** How every VM of ours is reached and first booted: the network, DHCP, cloud-init's user and keys. */
export function reachableVm(
  proxmox: ProxmoxConfig,
): Pick<DesiredVm, 'bridge' | 'vlanTag' | 'ipconfig0' | 'ciuser' | 'sshkeys' | 'cicustom'> {
  return {
    bridge: proxmox.networkBridge,
    vlanTag: proxmox.vlanTag,
    ipconfig0: 'ip=dhcp',
    ciuser: VM_USER,
    sshkeys: proxmox.sshPublicKeys,
    cicustom: proxmox.ciCustomUserData === undefined ? undefined : `user=${proxmox.ciCustomUserData}`,
  };
}

export function desiredVm(server: VmSpecServer, game: GameDefinition, proxmox: ProxmoxConfig): DesiredVm {
  return {
    cores: server.cores,
    memory: server.memoryMiB,
    balloon: 0,
    cpu: game.cpu,
    ...reachableVm(proxmox),
    tags: [OUR_TAG, serverTag(server.id)],
    description: describeVm(server, game),
  };
}

/** `key=value` parts of a PVE property string; a bare first part is returned under `''`. */
export function propertyParts(value: string | number | undefined): Map<string, string> {
  const parts = new Map<string, string>();
  if (value === undefined) return parts;
  for (const part of String(value).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) parts.set('', part);
    else parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return parts;
}

const NET_MODELS = ['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3'] as const;

function netOf(value: string | number | undefined) {
  const parts = propertyParts(value);
  let model: string | undefined;
  let mac: string | undefined;
  for (const candidate of NET_MODELS) {
    if (parts.has(candidate)) {
      model = candidate;
      mac = parts.get(candidate);
    }
  }
  if (!model && NET_MODELS.includes(parts.get('') as (typeof NET_MODELS)[number])) model = parts.get('');
  const tag = parts.get('tag');
  return { model, mac, bridge: parts.get('bridge'), tag: tag === undefined ? undefined : Number(tag) };
}

function enabled(value: string | number | undefined): boolean {
  if (value === undefined) return false;
  const parts = propertyParts(value);
  return (parts.get('enabled') ?? parts.get('')) === '1';
}

function memoryOf(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /(?:^|current=)(\d+)/.exec(String(value));
  return match ? Number(match[1]) : undefined;
}

function sshKeysOf(value: string | number | undefined): string[] {
  if (value === undefined) return [];
  let text = String(value);
  try {
    text = decodeURIComponent(text);
  } catch {
    // Not URL-encoded: compare as it is.
  }
  return text
    .split('\n')
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/** `QemuConfigUpdate` has no `cpu` yet; the encoder passes any scalar key through. */
export type VmConfigUpdate = QemuConfigUpdate & { cpu?: string };

/**
 * The config update that makes `current` match `desired`, only the keys that differ; undefined when it already
 * matches (so a resumed configure step sends nothing). The NIC keeps its MAC address (and so its DHCP lease).
 */
export function configChanges(current: QemuConfig, desired: DesiredVm): VmConfigUpdate | undefined {
  const update: VmConfigUpdate = {};
  if (Number(current.cores) !== desired.cores) update.cores = desired.cores;
  if (memoryOf(current.memory) !== desired.memory) update.memory = desired.memory;
  if (current.balloon === undefined || Number(current.balloon) !== desired.balloon)
    update.balloon = desired.balloon;
  if (current.cpu !== desired.cpu) update.cpu = desired.cpu;
  const net = netOf(current.net0);
  if (net.model !== 'virtio' || net.bridge !== desired.bridge || net.tag !== desired.vlanTag) {
    update.net0 = {
      model: 'virtio',
      bridge: desired.bridge,
      ...(desired.vlanTag === undefined ? {} : { tag: desired.vlanTag }),
      ...(net.mac && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(net.mac) ? { macaddr: net.mac } : {}),
    };
  }
  if (current.ipconfig0 !== desired.ipconfig0) update.ipconfig0 = desired.ipconfig0;
  if (current.ciuser !== desired.ciuser) update.ciuser = desired.ciuser;
  if (desired.sshkeys.length > 0 && !sameSet(sshKeysOf(current.sshkeys), desired.sshkeys)) {
    update.sshkeys = desired.sshkeys;
  }
  if (desired.cicustom !== undefined && current.cicustom !== desired.cicustom)
    update.cicustom = desired.cicustom;
  if (!enabled(current.agent)) update.agent = true;
  if (desired.firstBootUpgrade === false && Number(current.ciupgrade ?? 1) !== 0) update.ciupgrade = false;
  const onboot = desired.onboot ?? true;
  if ((Number(current.onboot ?? 0) === 1) !== onboot) update.onboot = onboot;
  if (!sameSet(decodeTags(current.tags), desired.tags)) update.tags = desired.tags;
  if (String(current.description ?? '').trim() !== desired.description.trim())
    update.description = desired.description;
  return Object.keys(update).length === 0 ? undefined : update;
}

/** Size in bytes of a disk property string (`local-lvm:vm-100-disk-0,size=20G`), undefined if unknown. */
export function diskBytes(value: string | number | undefined): number | undefined {
  const size = propertyParts(value).get('size');
  if (size === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(size);
  if (!match) return undefined;
  const unit = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[match[2] as 'K' | 'M' | 'G' | 'T'] ?? 1;
  return Math.round(Number(match[1]) * unit);
}
