// Builders for PVE property strings (`key=value,...`), validated before they leave the process.

export type NetModel = 'virtio' | 'e1000' | 'e1000e' | 'rtl8139' | 'vmxnet3';

export interface NetDevice {
  model?: NetModel;
  bridge: string;
  /** VLAN tag, 1–4094. */
  tag?: number;
  firewall?: boolean;
  macaddr?: string;
  mtu?: number;
  /** Rate limit in MB/s. */
  rate?: number;
  queues?: number;
  linkDown?: boolean;
}

const BRIDGE = /^[-_.\w\d]+$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** e.g. `virtio,bridge=vmbr0,tag=10,firewall=1`; with a MAC, `virtio=AA:BB:CC:DD:EE:FF,bridge=...`. */
export function netProperty(device: NetDevice): string {
  const model = device.model ?? 'virtio';
  if (!BRIDGE.test(device.bridge)) throw new TypeError(`invalid bridge name "${device.bridge}"`);
  const parts: string[] = [];
  if (device.macaddr !== undefined) {
    if (!MAC.test(device.macaddr)) throw new TypeError(`invalid MAC address "${device.macaddr}"`);
    parts.push(`${model}=${device.macaddr.toUpperCase()}`);
  } else {
    parts.push(model);
  }
  parts.push(`bridge=${device.bridge}`);
  if (device.tag !== undefined) {
    if (!Number.isInteger(device.tag) || device.tag < 1 || device.tag > 4094) {
      throw new TypeError(`VLAN tag must be an integer from 1 to 4094, got ${device.tag}`);
    }
    parts.push(`tag=${device.tag}`);
  }
  if (device.firewall !== undefined) parts.push(`firewall=${device.firewall ? 1 : 0}`);
  if (device.mtu !== undefined) parts.push(`mtu=${positiveInteger('mtu', device.mtu)}`);
  if (device.rate !== undefined) parts.push(`rate=${device.rate}`);
  if (device.queues !== undefined) parts.push(`queues=${positiveInteger('queues', device.queues)}`);
  if (device.linkDown !== undefined) parts.push(`link_down=${device.linkDown ? 1 : 0}`);
  return parts.join(',');
}

export type Ipv4Config = { ip: 'dhcp' } | { ip: string; gw?: string };
export type Ipv6Config = { ip6: 'dhcp' | 'auto' } | { ip6: string; gw6?: string };
export type IpConfig = Ipv4Config | (Ipv4Config & Ipv6Config) | Ipv6Config;

const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIpv4(value: string): boolean {
  return IPV4.test(value);
}

function isIpv4Cidr(value: string): boolean {
  const [address, prefix, extra] = value.split('/');
  if (extra !== undefined || address === undefined || prefix === undefined || !/^\d{1,2}$/.test(prefix))
    return false;
  return isIpv4(address) && Number(prefix) <= 32;
}

/** `ip=dhcp`, or `ip=10.0.0.5/24,gw=10.0.0.1`, optionally with `ip6=`/`gw6=`. */
export function ipConfigProperty(config: IpConfig): string {
  const parts: string[] = [];
  if ('ip' in config) {
    if (config.ip !== 'dhcp' && !isIpv4Cidr(config.ip)) {
      throw new TypeError(
        `ipconfig ip must be "dhcp" or an IPv4 CIDR such as 10.0.0.5/24, got "${config.ip}"`,
      );
    }
    parts.push(`ip=${config.ip}`);
    if ('gw' in config && config.gw !== undefined) {
      if (config.ip === 'dhcp') throw new TypeError('ipconfig gw cannot be combined with ip=dhcp');
      if (!isIpv4(config.gw)) throw new TypeError(`ipconfig gw must be an IPv4 address, got "${config.gw}"`);
      parts.push(`gw=${config.gw}`);
    }
  }
  if ('ip6' in config) {
    parts.push(`ip6=${config.ip6}`);
    if ('gw6' in config && config.gw6 !== undefined) parts.push(`gw6=${config.gw6}`);
  }
  if (parts.length === 0) throw new TypeError('ipconfig needs ip or ip6');
  return parts.join(',');
}

/**
 * Memory in MiB. From 8.1 `memory` is a property string (`[current=]<integer>`), but a plain integer is
 * accepted by 7.4, 8.4 and 9.1 alike, so the integer is what we send.
 */
export function memoryValue(mib: number): number {
  if (!Number.isInteger(mib) || mib < 16)
    throw new TypeError(`memory must be an integer of at least 16 MiB, got ${mib}`);
  return mib;
}

export interface CiCustom {
  user?: string;
  network?: string;
  meta?: string;
  vendor?: string;
}

const VOLUME = /^[a-z][a-z0-9\-_.]*[a-z0-9]:snippets\/[^,\s]+$/i;

export function isSnippetVolume(value: string): boolean {
  return VOLUME.test(value);
}

/** `user=local:snippets/game.yaml[,network=...]` */
export function ciCustomProperty(custom: CiCustom): string {
  const parts: string[] = [];
  for (const key of ['user', 'network', 'meta', 'vendor'] as const) {
    const volume = custom[key];
    if (volume === undefined) continue;
    if (!isSnippetVolume(volume))
      throw new TypeError(`cicustom ${key} must look like local:snippets/file.yaml`);
    parts.push(`${key}=${volume}`);
  }
  if (parts.length === 0) throw new TypeError('cicustom needs at least one volume');
  return parts.join(',');
}

export interface AgentSettings {
  enabled: boolean;
  fstrimClonedDisks?: boolean;
  type?: 'virtio' | 'isa';
}

/** `enabled=1[,fstrim_cloned_disks=1][,type=virtio]` (option names common to 7.4–9.1). */
export function agentProperty(settings: AgentSettings): string {
  const parts = [`enabled=${settings.enabled ? 1 : 0}`];
  if (settings.fstrimClonedDisks !== undefined)
    parts.push(`fstrim_cloned_disks=${settings.fstrimClonedDisks ? 1 : 0}`);
  if (settings.type !== undefined) parts.push(`type=${settings.type}`);
  return parts.join(',');
}

const DISK_SIZE = /^\+?\d+(\.\d+)?[KMGT]?$/;

/** Resize size: absolute (`32G`) or increment (`+10G`). */
export function diskSize(size: string): string {
  if (!DISK_SIZE.test(size)) throw new TypeError(`disk size must look like 32G or +10G, got "${size}"`);
  return size;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new TypeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
