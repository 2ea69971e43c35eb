import { describe, expect, it } from 'vitest';
import { type Endpoint, loadSchema, type PveVersion, parsePropertyString } from '../../src/schema/index.js';

// A one-parameter endpoint, to exercise named formats and patterns directly.
function single(schema: Endpoint['parameters']['properties'][string], version: PveVersion = '9.1'): Endpoint {
  return {
    path: '/test',
    method: 'POST',
    name: 'test',
    allowtoken: true,
    protected: false,
    version,
    parameters: { additionalProperties: 0, properties: { p: { type: 'string', optional: 1, ...schema } } },
  };
}

function errorOf(format: string, value: string, version: PveVersion = '9.1'): string | undefined {
  const r = loadSchema(version).validate(single({ format }, version), { p: value }, 'form');
  return r.ok ? undefined : r.errors.p;
}

describe('named formats', () => {
  it.each([
    ['pve-vmid', '100', '99', 'value does not look like a valid VM ID'],
    ['pve-node', 'pve-1', '-pve', 'value does not look like a valid node name'],
    ['dns-name', 'gs-abc.example.com', 'a..b', 'value does not look like a valid DNS name'],
    ['pve-configid', 'net0', '0net', "invalid configuration ID '0net'"],
    ['pve-storage-id', 'local-lvm', 'local-', "storage ID 'local-' contains illegal characters"],
    ['pve-poolid', 'guild/servers', 'a/b/c/d', "pool name 'a/b/c/d' nested too deeply (max levels = 3)"],
    [
      'mac-addr',
      'BC:24:11:AA:BB:CC',
      'BD:24:11:AA:BB:CC',
      'value does not look like a valid unicast MAC address',
    ],
    ['ipv4', '192.168.1.10', '192.168.1.256', 'value does not look like a valid IPv4 address'],
    ['ipv6', 'fe80::1', 'fe80:::1', 'value does not look like a valid IPv6 address'],
    ['ip', '::ffff:10.0.0.1', 'localhost', 'value does not look like a valid IP address'],
    ['CIDR', '10.0.0.0/8', '10.0.0.0/7', 'value does not look like a valid CIDR network'],
    ['ipv4mask', '255.255.255.0', '255.0.255.0', 'value does not look like a valid IP netmask'],
    ['urlencoded', 'a%20b', 'a b', 'invalid urlencoded string: a b'],
    ['pve-volume-id', 'local:iso/debian.iso', 'debian.iso', "unable to parse volume ID 'debian.iso'"],
    ['disk-size', '32G', '32GB', 'value does not look like a valid disk size: 32GB'],
    ['pve-userid', 'gs@pve', 'gs', "user name 'gs' is too short"],
    ['pve-tokenid', 'gs@pve!prov', 'gs@pve', "value 'gs@pve' does not look like a valid token ID"],
    ['email', 'ops@example.com', 'ops@', 'value does not look like a valid email address'],
    ['pve-priv-list', 'VM.Allocate,VM.Clone', 'VM.Allocate,VM.Fly', "invalid privilege 'VM.Fly'"],
    ['pve-qm-bootdisk', 'scsi0', 'scsi31', "invalid boot disk 'scsi31'"],
    ['pve-vmid-list', '100,101 102', '100;abc', 'value does not look like a valid VM ID'],
  ])('%s', (format, good, bad, message) => {
    expect(errorOf(format, good)).toBeUndefined();
    expect(errorOf(format, bad)).toBe(`invalid format - ${message}\n`);
  });

  it('accepts an empty -list and values of formats it does not implement', () => {
    expect(errorOf('pve-configid-list', '')).toBeUndefined();
    expect(errorOf('pve-calendar-event', 'anything at all')).toBeUndefined();
  });

  it('follows version changes in pve-common', () => {
    expect(errorOf('disk-size', '32GiB', '9.1')).toBeUndefined();
    expect(errorOf('disk-size', '32GiB', '8.4')).toBe(
      'invalid format - value does not look like a valid disk size: 32GiB\n',
    );
    expect(errorOf('pve-storage-id', 'a', '9.1')).toBe(
      "invalid format - storage ID 'a' cannot be shorter than 2 characters\n",
    );
    expect(errorOf('pve-storage-id', 'a', '8.4')).toBe(
      "invalid format - storage ID 'a' contains illegal characters\n",
    );
    expect(errorOf('pve-priv-list', 'VM.Monitor', '8.4')).toBeUndefined();
    expect(errorOf('pve-priv-list', 'VM.Monitor', '9.1')).toBe(
      "invalid format - invalid privilege 'VM.Monitor'\n",
    );
  });
});

describe('Perl patterns', () => {
  const matches = (pattern: string, value: string, version: PveVersion = '9.1') =>
    loadSchema(version).validate(single({ pattern }, version), { p: value }, 'form').ok;

  it('anchors the pattern as m/^$pattern$/ does, without grouping it', () => {
    expect(matches('\\+?\\d+(\\.\\d+)?[KMGT]?', '+10G')).toBe(true);
    expect(matches('\\+?\\d+(\\.\\d+)?[KMGT]?', 'x10G')).toBe(false);
    // `^/dev/parport\d+|/dev/usb/lp\d+$`: the second branch is only anchored at the end.
    expect(matches('/dev/parport\\d+|/dev/usb/lp\\d+', 'junk/dev/usb/lp0')).toBe(true);
  });

  it('understands stringified qr// groups, case-insensitive ones included', () => {
    const tags = '(?^i:[a-z0-9_][a-z0-9_\\-\\+\\.]*)(?:;(?^i:[a-z0-9_][a-z0-9_\\-\\+\\.]*))*';
    expect(matches(tags, 'Guild;gs-1')).toBe(true);
    expect(matches(tags, 'guild;-x')).toBe(false);
    expect(matches('(?^:[A-Za-z0-9\\.\\-_]+)', 'a b')).toBe(false);
  });

  it('reads {,n} as a quantifier from Perl 5.34 (PVE 8) on, literally before', () => {
    expect(matches('[A-Za-z0-9\\-_\\s]{,8}', 'abc', '8.4')).toBe(true);
    expect(matches('[A-Za-z0-9\\-_\\s]{,8}', 'abc', '7.4')).toBe(false);
    expect(matches('[A-Za-z0-9\\-_\\s]{,8}', 'a{,8}', '7.4')).toBe(true);
  });

  it('lets $ match before a final newline, as Perl does', () => {
    expect(matches('\\d+', '12\n')).toBe(true);
  });
});

describe('parsePropertyString', () => {
  const config = loadSchema('9.1').match('POST', '/nodes/pve/qemu/100/config');
  if (config.kind !== 'ok') throw new Error('no config endpoint');
  const netFormat = config.endpoint.parameters.properties['net[n]']?.format;
  if (!netFormat || typeof netFormat === 'string') throw new Error('net[n] has no inline format');

  it('parses inline formats with default keys, key aliases and typed values', () => {
    expect(parsePropertyString(netFormat, 'virtio,bridge=vmbr0,tag=10,firewall=yes')).toEqual({
      model: 'virtio',
      bridge: 'vmbr0',
      tag: 10,
      firewall: 1,
    });
    expect(parsePropertyString(netFormat, 'virtio=BC:24:11:00:00:01,bridge=vmbr1')).toEqual({
      model: 'virtio',
      macaddr: 'BC:24:11:00:00:01',
      bridge: 'vmbr1',
    });
  });

  it('parses named formats it knows', () => {
    expect(parsePropertyString('pve-qm-ipconfig', 'ip=10.0.0.5/24,gw=10.0.0.1')).toEqual({
      ip: '10.0.0.5/24',
      gw: '10.0.0.1',
    });
    expect(parsePropertyString('pve-qm-boot', 'order=scsi0;net0')).toEqual({ order: 'scsi0;net0' });
    expect(() => parsePropertyString('pve-qm-boot', 'order=scsi0;nvme0')).toThrow(
      "format error\norder: invalid format - invalid boot device 'nvme0'\n\n",
    );
  });

  it('throws PVE messages', () => {
    expect(() => parsePropertyString(netFormat, 'virtio,bridge=')).toThrow(
      'missing key in comma-separated list property',
    );
    expect(() => parsePropertyString(netFormat, 'bridge=a,bridge=b')).toThrow(
      'duplicate key in comma-separated list property: bridge',
    );
    expect(() => parsePropertyString(netFormat, 'virtio,e1000=BC:24:11:00:00:01')).toThrow(
      "key alias 'model' is already defined",
    );
  });
});
