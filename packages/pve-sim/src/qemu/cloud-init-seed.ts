// The NoCloud files PVE writes on a VM's cloud-init drive at start (PVE::QemuServer::Cloudinit, format
// `nocloud`): user-data, network-config (v1), meta-data and vendor-data, each replaceable by a cicustom snippet.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostDns } from './host-dns.js';

export type SeedFiles = {
  'user-data': Buffer;
  'network-config': Buffer;
  'meta-data': Buffer;
  'vendor-data': Buffer;
};

export interface SeedSources {
  /** Storage id → directory holding its `snippets/` files' contents (PVE's `local` is /var/lib/vz/snippets). */
  snippetDirs: Record<string, string>;
  hostDns: HostDns;
}

const MAX_SEED_BYTES = 3 * 1024 * 1024;
const MAX_SNIPPET_BYTES = 1024 * 1024;

/** Builds the four files as PVE does: custom snippets where cicustom names them, generated ones elsewhere. */
export async function nocloudSeedFiles(
  config: Record<string, string>,
  vmid: number,
  sources: SeedSources,
): Promise<SeedFiles> {
  assertNocloud(config);
  const custom = parseCicustom(config.cicustom);
  const read = (volid: string | undefined) =>
    volid === undefined ? undefined : readSnippet(volid, sources.snippetDirs);
  const [user, network, meta, vendor] = await Promise.all([
    read(custom.user),
    read(custom.network),
    read(custom.meta),
    read(custom.vendor),
  ]);
  const userData = user ?? Buffer.from(cloudInitUserData(config, vmid));
  const networkData = network ?? Buffer.from(nocloudNetworkConfig(config, sources.hostDns));
  const metaData = meta ?? Buffer.from(nocloudMetaData(userData, networkData));
  const vendorData = vendor ?? Buffer.alloc(0);
  const total = userData.length + networkData.length + metaData.length + vendorData.length;
  if (total > MAX_SEED_BYTES) throw new Error('Cloud-Init sum of snippets too big (> 3 MiB)');
  return {
    'user-data': userData,
    'network-config': networkData,
    'meta-data': metaData,
    'vendor-data': vendorData,
  };
}

function assertNocloud(config: Record<string, string>): void {
  const windows = /^(wxp|w2k|w2k3|w2k8|wvista|win7|win8|win10|win11)$/.test(config.ostype ?? '');
  const format = config.citype ?? (windows ? 'configdrive2' : 'nocloud');
  if (format !== 'nocloud')
    throw new Error(`cloud-init format '${format}' is not supported by the simulator`);
}

export function hostnameAndFqdn(config: Record<string, string>, vmid: number): [string, string] {
  const name = config.name ?? `VM${vmid}`;
  if (name.includes('.')) return [name.replace(/\..*$/, ''), name];
  if (config.searchdomain) return [name, `${name}.${config.searchdomain}`];
  return [name, name];
}

/** PVE's uri_unescape: %XX byte escapes only (a `+` stays a `+`). */
function uriUnescape(text: string): string {
  const bytes: number[] = [];
  const raw = Buffer.from(text, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const hex = raw.subarray(i + 1, i + 3).toString('latin1');
    if (raw[i] === 0x25 && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(raw[i]!);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export function decodeSshKeys(sshkeys: string): string[] {
  return uriUnescape(sshkeys)
    .split('\n')
    .filter((key) => /\S/.test(key));
}

const perlFalse = (value: string | undefined) => value === undefined || value === '' || value === '0';

export function cloudInitUserData(config: Record<string, string>, vmid: number): string {
  const [hostname, fqdn] = hostnameAndFqdn(config, vmid);
  const lines = ['#cloud-config', `hostname: ${hostname}`, 'manage_etc_hosts: true', `fqdn: ${fqdn}`];
  const user = config.ciuser;
  if (user !== undefined) lines.push(`user: ${user}`);
  if (user === 'root') lines.push('disable_root: False');
  if (config.cipassword !== undefined) lines.push(`password: ${config.cipassword}`);
  if (config.sshkeys !== undefined) {
    lines.push('ssh_authorized_keys:');
    for (const key of decodeSshKeys(config.sshkeys)) lines.push(`  - ${key}`);
  }
  lines.push('chpasswd:', '  expire: False');
  if (user !== 'root') lines.push('users:', '  - default');
  if (config.ciupgrade === undefined || !perlFalse(config.ciupgrade)) lines.push('package_upgrade: true');
  return `${lines.join('\n')}\n`;
}

interface IpConfig {
  ip?: string;
  gw?: string;
  ip6?: string;
  gw6?: string;
}

/** PVE's parse_ipconfig: an inconsistent value (a gateway without an address, ...) configures nothing. */
export function parseIpConfig(value: string): IpConfig | undefined {
  const parsed: IpConfig = {};
  for (const part of value.split(',')) {
    const [key, ...rest] = part.split('=');
    if (key === 'ip' || key === 'gw' || key === 'ip6' || key === 'gw6') parsed[key] = rest.join('=');
  }
  if ((parsed.gw && !parsed.ip) || (parsed.gw6 && !parsed.ip6)) return undefined;
  if (parsed.gw && parsed.ip === 'dhcp') return undefined;
  if (parsed.gw6 && (parsed.ip6 === 'dhcp' || parsed.ip6 === 'auto')) return undefined;
  if (!parsed.ip && !parsed.ip6) return { ip: 'dhcp', ip6: 'dhcp' };
  return parsed;
}

function netmaskOf(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (bits >>> shift) & 0xff).join('.');
}

function splitIpv4(cidr: string): [string, string] {
  const [address, prefix] = cidr.split('/');
  if (prefix === undefined || !/^\d+$/.test(prefix) || Number(prefix) > 32) {
    throw new Error(`not a CIDR: ${cidr}`);
  }
  return [address!, netmaskOf(Number(prefix))];
}

function macOf(net: string): string | undefined {
  const [model = ''] = net.split(',');
  const mac = /^[a-z0-9]+=([0-9A-Fa-f:]{17})$/.exec(model)?.[1];
  return mac ?? /(?:^|,)macaddr=([0-9A-Fa-f:]{17})/.exec(net)?.[1];
}

function dnsOf(config: Record<string, string>, host: HostDns): { search: string[]; nameservers: string[] } {
  const words = (text: string) => text.split(/\s+/).filter(Boolean);
  return {
    search: words(config.searchdomain ?? host.search ?? ''),
    nameservers: config.nameserver === undefined ? host.nameservers : words(config.nameserver),
  };
}

/** Network config version 1, interfaces matched by MAC, as PVE's nocloud_network writes it. */
export function nocloudNetworkConfig(config: Record<string, string>, hostDns: HostDns): string {
  let content = 'version: 1\nconfig:\n';
  const indent = '    ';
  const nics = Object.keys(config)
    .filter((key) => /^net\d+$/.test(key))
    .sort();
  for (const nic of nics) {
    const id = nic.slice(3);
    const ipconfigValue = config[`ipconfig${id}`];
    if (!ipconfigValue) continue;
    const ipconfig = parseIpConfig(ipconfigValue);
    const mac = macOf(config[nic]!)?.toLowerCase();
    if (!mac) throw new Error(`network interface '${nic}' has no mac address`);
    content += `${indent}- type: physical\n${indent}  name: eth${id}\n${indent}  mac_address: '${mac}'\n`;
    content += `${indent}  subnets:\n`;
    const sub = `${indent}  `;
    if (ipconfig?.ip === 'dhcp') {
      content += `${sub}- type: dhcp4\n`;
    } else if (ipconfig?.ip !== undefined) {
      const [address, netmask] = splitIpv4(ipconfig.ip);
      content += `${sub}- type: static\n${sub}  address: '${address}'\n${sub}  netmask: '${netmask}'\n`;
      if (ipconfig.gw !== undefined) content += `${sub}  gateway: '${ipconfig.gw}'\n`;
    }
    if (ipconfig?.ip6 === 'dhcp') {
      content += `${sub}- type: dhcp6\n`;
    } else if (ipconfig?.ip6 === 'auto') {
      content += `${sub}- type: ipv6_slaac\n`;
    } else if (ipconfig?.ip6 !== undefined) {
      content += `${sub}- type: static6\n${sub}  address: '${ipconfig.ip6}'\n`;
      if (ipconfig.gw6 !== undefined) content += `${sub}  gateway: '${ipconfig.gw6}'\n`;
    }
  }
  // PVE always writes the nameserver entry, even when neither the VM nor the node names any.
  const { search, nameservers } = dnsOf(config, hostDns);
  content += `${indent}- type: nameserver\n`;
  if (nameservers.length > 0) {
    content += `${indent}  address:\n`;
    for (const address of nameservers) content += `${indent}  - '${address}'\n`;
  }
  if (search.length > 0) {
    content += `${indent}  search:\n`;
    for (const domain of search) content += `${indent}  - '${domain}'\n`;
  }
  return content;
}

/** The instance id changes whenever user-data or network-config does, so cloud-init runs again. */
export function nocloudMetaData(userData: Buffer, networkData: Buffer): string {
  const instanceId = createHash('sha1').update(userData).update(networkData).digest('hex');
  return `instance-id: ${instanceId}\n`;
}

type CustomPart = 'user' | 'network' | 'meta' | 'vendor';

export function parseCicustom(value: string | undefined): Partial<Record<CustomPart, string>> {
  const parts: Partial<Record<CustomPart, string>> = {};
  for (const item of (value ?? '').split(',')) {
    const equals = item.indexOf('=');
    if (equals < 0) continue;
    const key = item.slice(0, equals);
    if (key === 'user' || key === 'network' || key === 'meta' || key === 'vendor') {
      parts[key] = item.slice(equals + 1);
    }
  }
  return parts;
}

/** Reads `storage:snippets/<file>` with PVE's refusals (PVE::Storage's wording). */
async function readSnippet(volid: string, snippetDirs: Record<string, string>): Promise<Buffer> {
  const colon = volid.indexOf(':');
  const storage = colon < 0 ? '' : volid.slice(0, colon);
  const volname = volid.slice(colon + 1);
  if (!storage) throw new Error(`unable to parse volume ID '${volid}'`);
  const dir = snippetDirs[storage];
  if (dir === undefined) throw new Error(`storage '${storage}' does not exist`);
  const file = /^snippets\/([^/]+)$/.exec(volname)?.[1];
  if (!file) throw new Error(`${volid} is not in the snippets directory`);
  const path = join(dir, file);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new Error(`can't find file '${volid}'`);
  if (info.size > MAX_SNIPPET_BYTES) throw new Error(`file '${path}' too long - aborting`);
  return readFile(path);
}
