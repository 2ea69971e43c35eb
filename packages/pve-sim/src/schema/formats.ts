// Named formats (`format: 'pve-vmid'`) and PVE::JSONSchema::check_format. The schema files name these
// formats but carry no validators; these are ported from pve-common, pve-access-control, pve-storage
// and qemu-server, with PVE's die() messages.
//
// Accepted as-is (not implemented): pve-calendar-event, pve-fw-*-spec, pve-fw-conntrack-helper,
// pve-sdn-*, pve-ha-*, pve-replication-job-id, pve-lxc-*, lxc-ip-with-ll-iface, pve-ct-timezone,
// pve-day-of-week, pve-storage-path, pve-storage-server, pve-storage-vgname, pve-storage-portal-dns,
// pve-dir-override, pve-qm-usb-device, pve-acme-*, pem-*, graphite-path, mac-prefix, IPorCIDR*,
// pve-command-batch, string-alist, pve-tfa-secret, and the hash formats pve-vm-cpu-conf,
// pve-qm-watchdog, pve-qm-smbios1, pve-qm-ide, pve-qm-hostpci, pve-qm-rng, pve-qemu-sev-fmt,
// pve-qemu-tdx-fmt, backup-performance, backup-fleecing, proxmox-remote,
// realm-sync-options, pve-tfa-config.

import type { Dialect } from './dialect.js';
import { FormatError } from './format-error.js';
import { indexRange } from './indexed.js';
import { splitList } from './perl-values.js';
import { type PropertyStringFormat, parseRawPropertyString } from './property-string.js';

type Verifier = (value: string, dialect: Dialect) => void;

const fail = (message: string): never => {
  throw new FormatError(`${message}\n`);
};

const IPV4_OCTET = '(?:25[0-5]|(?:2[0-4]|1[0-9]|[1-9])?[0-9])';
const IPV4 = `(?:(?:${IPV4_OCTET}\\.){3}${IPV4_OCTET})`;
const H16 = '(?:[0-9a-fA-F]{1,4})';
const LS32 = `(?:(?:${IPV4}|${H16}:${H16}))`;
const IPV6 = `(?:(?:(?:(?:${H16}:){6})${LS32})|(?:(?:::(?:${H16}:){5})${LS32})|(?:(?:(?:${H16})?::(?:${H16}:){4})${LS32})|(?:(?:(?:(?:${H16}:){0,1}${H16})?::(?:${H16}:){3})${LS32})|(?:(?:(?:(?:${H16}:){0,2}${H16})?::(?:${H16}:){2})${LS32})|(?:(?:(?:(?:${H16}:){0,3}${H16})?::(?:${H16}:){1})${LS32})|(?:(?:(?:(?:${H16}:){0,4}${H16})?::)${LS32})|(?:(?:(?:(?:${H16}:){0,5}${H16})?::)${H16})|(?:(?:(?:(?:${H16}:){0,6}${H16})?::)))`;
const EMAIL_USER = '[\\w+\\-~]+(\\.[\\w+\\-~]+)*';
const EMAIL = `${EMAIL_USER}@[a-zA-Z0-9\\-]+(\\.[a-zA-Z0-9\\-]+)*`;
const USER_RE = '[^\\s:/]+';
const REALM_RE = '[A-Za-z][A-Za-z0-9.\\-_]+';
const DNS_LABEL = '([a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?)';

// Perl's `$` also matches before a final newline.
const anchored = (body: string, flags = '') => new RegExp(`^(?:${body})\\n?$`, flags);

const re = {
  ipv4: anchored(IPV4),
  ipv6: anchored(IPV6),
  ip: anchored(`${IPV4}|${IPV6}`),
  cidr4: new RegExp(`^(?:${IPV4})/(\\d+)\\n?$`),
  cidr6: new RegExp(`^(?:${IPV6})/(\\d+)\\n?$`),
  email: anchored(EMAIL),
  emailUser: anchored(EMAIL_USER),
  dns: anchored(`(${DNS_LABEL}\\.)*${DNS_LABEL}`),
  userid: new RegExp(`^(${USER_RE})@(${REALM_RE})\\n?$`),
  tokenid: anchored(`((${USER_RE})@(${REALM_RE}))!(${REALM_RE})`),
};

const cidr4 = (v: string) => {
  const m = re.cidr4.exec(v);
  return !!m && Number(m[1]) > 7 && Number(m[1]) <= 32;
};
const cidr6 = (v: string) => {
  const m = re.cidr6.exec(v);
  return !!m && Number(m[1]) > 7 && Number(m[1]) <= 128;
};

const MASKS = new Set(
  Array.from({ length: 33 }, (_, bits) =>
    [0, 1, 2, 3].map((o) => (0xff00 >> Math.min(8, Math.max(0, bits - o * 8))) & 0xff).join('.'),
  ),
);

function parseId(value: string, kind: string, dialect: Dialect): void {
  if (dialect.shortIdMessage && [...value].length < 2)
    fail(`${kind} ID '${value}' cannot be shorter than 2 characters`);
  if (!/^[a-z][a-z0-9\-_.]*[a-z0-9]\n?$/i.test(value))
    fail(`${kind} ID '${value}' contains illegal characters`);
}

function parseSize(value: string, dialect: Dialect): number | undefined {
  const pattern = dialect.sizeIecSuffix
    ? /^(\d+(\.\d+)?)([KMGT](?:iB)?)?\n?$/
    : /^(\d+(\.\d+)?)([KMGT])?\n?$/;
  const m = pattern.exec(value);
  if (!m) return undefined;
  const exp = { K: 1, M: 2, G: 3, T: 4 }[m[3]?.[0] as 'K' | 'M' | 'G' | 'T'] ?? 0;
  return Math.trunc(Number(m[1]) * 1024 ** exp);
}

const volumeId: Verifier = (v) => {
  if (!/^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)\n?$/i.test(v)) fail(`unable to parse volume ID '${v}'`);
};

const volumeIdOrAbsolutePath: Verifier = (v, d) => {
  if (!v.startsWith('/')) volumeId(v, d);
};

const idPair =
  (inner: Verifier): Verifier =>
  (entry, d) => {
    if (entry === '1') return;
    const pair = /^([^:]+):([^:]+)$/.exec(entry);
    try {
      if (pair) {
        inner(pair[1]!, d);
        inner(pair[2]!, d);
      } else {
        inner(entry, d);
      }
    } catch (e) {
      fail(`entry '${entry}' contains invalid ID - ${(e as Error).message}\n`);
    }
  };

function isValidDriveName(dev: string): boolean {
  const m = /^(ide|sata|scsi|virtio)(\d+)$/.exec(dev);
  if (m) return inRange(m[1]!, m[2]!);
  return dev === 'efidisk0' || dev === 'tpmstate0';
}

function inRange(base: string, index: string): boolean {
  const range = indexRange('qemu', base);
  return !!range && String(Number(index)) === index && Number(index) <= range;
}

const storageId: Verifier = (v, d) => parseId(v, 'storage', d);

const bridgeId: Verifier = (v) => {
  if (!/^[-_.\w\d]+\n?$/.test(v)) fail(`invalid bridge ID '${v}'`);
};

const CODE_FORMATS: Record<string, Verifier> = {
  string: () => {},
  regex: () => {},
  urlencoded: (v) => {
    if (!/^[-%a-zA-Z0-9_.!~*'()]*\n?$/.test(v)) fail(`invalid urlencoded string: ${v}`);
  },
  'pve-configid': (v) => {
    if (!/^[a-z][a-z0-9_-]+\n?$/i.test(v)) fail(`invalid configuration ID '${v}'`);
  },
  'pve-storage-id': storageId,
  'pve-bridge-id': bridgeId,
  'acme-plugin-id': (v, d) => parseId(v, 'ACME plugin', d),
  'pve-vmid': (v) => {
    if (!/^[1-9][0-9]{2,8}\n?$/.test(v)) fail('value does not look like a valid VM ID');
  },
  'pve-node': (v) => {
    if (!/^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)\n?$/.test(v))
      fail('value does not look like a valid node name');
  },
  'storage-pair': idPair(storageId),
  'bridge-pair': idPair(bridgeId),
  'mac-addr': (v) => {
    if (!/^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}\n?$/i.test(v)) {
      fail('value does not look like a valid unicast MAC address');
    }
  },
  ipv4: (v) => {
    if (!re.ipv4.test(v)) fail('value does not look like a valid IPv4 address');
  },
  ipv6: (v) => {
    if (!re.ipv6.test(v)) fail('value does not look like a valid IPv6 address');
  },
  ip: (v) => {
    if (!re.ip.test(v)) fail('value does not look like a valid IP address');
  },
  'ldap-simple-attr': (v) => {
    if (!/^[a-zA-Z0-9]+\n?$/.test(v)) fail(`value '${v}' does not look like a simple ldap attribute name`);
  },
  ipv4mask: (v) => {
    if (!MASKS.has(v)) fail('value does not look like a valid IP netmask');
  },
  CIDRv6: (v) => {
    if (!cidr6(v)) fail('value does not look like a valid IPv6 CIDR network');
  },
  CIDRv4: (v) => {
    if (!cidr4(v)) fail('value does not look like a valid IPv4 CIDR network');
  },
  CIDR: (v) => {
    if (!cidr4(v) && !cidr6(v)) fail('value does not look like a valid CIDR network');
  },
  'pve-ipv4-config': (v) => {
    if (!/^(?:dhcp|manual)$/.test(v) && !cidr4(v))
      fail('value does not look like a valid ipv4 network configuration');
  },
  'pve-ipv6-config': (v) => {
    if (!/^(?:auto|dhcp|manual)$/.test(v) && !cidr6(v)) {
      fail('value does not look like a valid ipv6 network configuration');
    }
  },
  email: (v) => {
    if (!re.email.test(v)) fail('value does not look like a valid email address');
  },
  'email-or-username': (v) => {
    if (!re.email.test(v) && !re.emailUser.test(v))
      fail('value does not look like a valid email address or user name');
  },
  'dns-name': (v) => {
    if (!re.dns.test(v)) fail('value does not look like a valid DNS name');
  },
  'pve-iface': (v) => {
    if (!/^[a-z][a-z0-9_]{1,20}([:.]\d+)?\n?$/i.test(v)) fail(`invalid network interface name '${v}'`);
  },
  'pve-vlan-id-or-range': (v) => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(v);
    if (!m) return fail(`invalid VLAN configuration '${v}'`);
    const tags = [m[1]!, m[2]].filter((t): t is string => t !== undefined && t !== '');
    for (const tag of tags) if (Number(tag) < 2 || Number(tag) > 4094) fail(`invalid VLAN tag '${tag}'`);
    if (m[2] && Number(m[1]) >= Number(m[2])) fail(`VLAN range must go from lower to higher tag '${v}'`);
  },
  address: (v) => {
    if (!re.ip.test(v) && !re.dns.test(v)) fail(`value does not look like a valid address: ${v}`);
  },
  'disk-size': (v, d) => {
    if (parseSize(v, d) === undefined) fail(`value does not look like a valid disk size: ${v}`);
  },
  'pve-startup-order': (v) => {
    const parts = v.split(',').filter((p) => !/^\s*$/.test(p));
    const ok = v !== '' && v !== '0' && parts.every((p) => /^((order=)?\d+|up=\d+|down=\d+)$/.test(p));
    if (!ok) fail('unable to parse startup options');
  },
  'pve-tag': (v) => {
    if (!/^[a-z0-9_][a-z0-9_\-+.]*\n?$/i.test(v)) fail('invalid characters in tag');
  },
  'pve-task-status-type': (v) => {
    if (!/^(ok|error|warning|unknown)\n?$/i.test(v)) fail(`invalid status '${v}'`);
  },
  'pve-realm': (v) => {
    if (!new RegExp(`^${REALM_RE}\\n?$`).test(v)) fail('value does not look like a valid realm');
  },
  'pve-userid': (v) => {
    const len = [...v].length;
    if (len < 3) fail(`user name '${v}' is too short`);
    if (len > 64) fail(`user name '${v}' is too long (${len} > 64)`);
    if (!re.userid.test(v)) fail(`value '${v}' does not look like a valid user name`);
  },
  'pve-tokenid': (v) => {
    if (!re.tokenid.test(v)) fail(`value '${v}' does not look like a valid token ID`);
  },
  'pve-groupid': (v) => {
    if (!/^[A-Za-z0-9.\-_]+\n?$/.test(v)) fail(`group name '${v}' contains invalid characters`);
  },
  'pve-roleid': (v) => {
    if (!/^[A-Za-z0-9.\-_]+\n?$/.test(v)) fail(`role name '${v}' contains invalid characters`);
  },
  'pve-poolid': (v) => {
    if (v.split('/').length > 3) fail(`pool name '${v}' nested too deeply (max levels = 3)`);
    if (!/^[A-Za-z0-9.\-_]+(?:\/[A-Za-z0-9.\-_]+){0,2}\n?$/.test(v))
      fail(`pool name '${v}' contains invalid characters`);
  },
  'pve-priv': (v, d) => {
    if (!d.privileges.has(v)) fail(`invalid privilege '${v}'`);
  },
  'pve-volume-id': volumeId,
  'pve-volume-id-or-absolute-path': volumeIdOrAbsolutePath,
  'pve-volume-id-or-qm-path': (v, d) => {
    if (v !== 'none' && v !== 'cdrom') volumeIdOrAbsolutePath(v, d);
  },
  'pve-storage-content': (v) => {
    if (!['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'none', 'import'].includes(v)) {
      fail(`invalid content type '${v}'`);
    }
  },
  'pve-storage-format': (v) => {
    if (!/^(raw|qcow2|vmdk|subvol)\n?$/.test(v)) fail(`invalid format '${v}'`);
  },
  'pve-storage-options': (v) => {
    if (!/^\S+\n?$/.test(v)) fail(`invalid options '${v}'`);
  },
  'pve-qm-bootdisk': (v) => {
    if (!isValidDriveName(v)) fail(`invalid boot disk '${v}'`);
  },
  'pve-qm-bootdev': (v) => {
    if (isValidDriveName(v) && !/^(efidisk|tpmstate)/.test(v)) return;
    const m = /^(net|usb|hostpci)(\d+)$/.exec(v);
    if (!m || !inRange(m[1]!, m[2]!)) fail(`invalid boot device '${v}'`);
  },
  'pve-hotplug-features': (v) => {
    if (v === '0') return;
    for (const feature of splitList(v === '1' ? 'network,disk,usb' : v)) {
      if (!/^(network|disk|cpu|memory|usb|cloudinit)$/.test(feature))
        fail(`invalid hotplug feature '${feature}'`);
    }
  },
  'pve-cpuset': (v) => {
    const ok = v.split(',').every((part) => {
      const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
      return !!m && (m[2] === undefined || Number(m[1]) <= Number(m[2]));
    });
    if (!ok) fail('unable to parse cpuset option');
  },
};

const volume = { type: 'string', optional: 1, format: 'pve-volume-id' };

// Hash (property-string) formats registered by name in qemu-server, so absent from the schema files.
const HASH_FORMATS: Record<string, PropertyStringFormat> = {
  'pve-qm-ipconfig': {
    ip: { type: 'string', format: 'pve-ipv4-config', optional: 1 },
    gw: { type: 'string', format: 'ipv4', optional: 1, requires: 'ip' },
    ip6: { type: 'string', format: 'pve-ipv6-config', optional: 1 },
    gw6: { type: 'string', format: 'ipv6', optional: 1, requires: 'ip6' },
  },
  'pve-qm-boot': {
    legacy: { type: 'string', optional: 1, default_key: 1, pattern: '[acdn]{1,4}' },
    order: { type: 'string', optional: 1, format: 'pve-qm-bootdev-list' },
  },
  'pve-qm-cicustom': { meta: volume, network: volume, user: volume, vendor: volume },
  // pve-common's $prune_backups_format; its validator (keep-all alone) runs in the prune handler.
  'prune-backups': {
    'keep-all': { type: 'boolean', optional: 1 },
    'keep-last': { type: 'integer', minimum: 0, optional: 1 },
    'keep-hourly': { type: 'integer', minimum: 0, optional: 1 },
    'keep-daily': { type: 'integer', minimum: 0, optional: 1 },
    'keep-weekly': { type: 'integer', minimum: 0, optional: 1 },
    'keep-monthly': { type: 'integer', minimum: 0, optional: 1 },
    'keep-yearly': { type: 'integer', minimum: 0, optional: 1 },
  },
};

export function hashFormat(name: string): PropertyStringFormat | undefined {
  return Object.hasOwn(HASH_FORMATS, name) ? HASH_FORMATS[name] : undefined;
}

/** PVE::JSONSchema::check_format; throws FormatError. Unknown named formats are accepted. */
export function checkFormat(
  format: string | PropertyStringFormat,
  value: string,
  path: string,
  dialect: Dialect,
): void {
  if (typeof format !== 'string') {
    parseRawPropertyString(format, value, path, dialect);
    return;
  }
  const m = /^(.*?)(?:-(list|opt))?$/.exec(format)!;
  const name = m[1]!;
  const kind = m[2] ?? 'none';
  const hash = hashFormat(name);
  const code = Object.hasOwn(CODE_FORMATS, name) ? CODE_FORMATS[name] : undefined;
  if (!hash && !code) return;
  if (kind !== 'none' && hash) fail(`'-${kind}' format must have code ref, not hash`);
  if (hash) {
    parseRawPropertyString(hash, value, path, dialect);
  } else if (kind === 'list') {
    for (const item of splitList(value)) code!(item, dialect);
  } else if (kind === 'opt') {
    if (value !== '' && value !== '0') code!(value, dialect);
  } else {
    code!(value, dialect);
  }
}

/** Names of the formats with a validator here (for documentation and tests). */
export const IMPLEMENTED_FORMATS: readonly string[] = [
  ...Object.keys(CODE_FORMATS),
  ...Object.keys(HASH_FORMATS),
];
