import { describe, expect, it } from 'vitest';
import {
  agentProperty,
  ciCustomProperty,
  decodeTags,
  diskSize,
  encodeForm,
  encodeQemuConfig,
  encodeSshKeys,
  encodeTags,
  ipConfigProperty,
  memoryValue,
  netProperty,
} from '../src/index';

const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop';
const KEY_B = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7+/= bob@desk';

describe('encodeForm', () => {
  it('writes booleans as 1/0, never true/True', () => {
    expect(encodeForm({ full: true, purge: false })).toBe('full=1&purge=0');
  });

  it('skips undefined and null, repeats arrays', () => {
    expect(encodeForm({ a: undefined, b: null, c: 'x', d: ['1', 2] })).toBe('c=x&d=1&d=2');
  });

  it('percent-encodes spaces as %20 and reserved characters', () => {
    expect(encodeForm({ description: 'a b+c&d=e' })).toBe('description=a%20b%2Bc%26d%3De');
  });

  it('refuses non-finite numbers', () => {
    expect(() => encodeForm({ cores: Number.NaN })).toThrow(/non-finite/);
  });
});

describe('sshkeys', () => {
  it('encodeURIComponent of the keys joined by newline', () => {
    expect(encodeSshKeys([KEY_A, KEY_B])).toBe(encodeURIComponent(`${KEY_A}\n${KEY_B}`));
    expect(encodeSshKeys([KEY_A])).not.toContain('+');
    expect(encodeSshKeys([KEY_A])).toContain('%20');
  });

  it('accepts newline-separated text and drops blank lines', () => {
    expect(encodeSshKeys(`${KEY_A}\n\n${KEY_B}\n`)).toBe(encodeSshKeys([KEY_A, KEY_B]));
  });

  it('is form-encoded a second time in the body, so PVE decodes back to the keys', () => {
    const body = encodeForm(encodeQemuConfig({ sshkeys: [KEY_A, KEY_B] }));
    expect(body.startsWith('sshkeys=')).toBe(true);
    const once = decodeURIComponent(body.slice('sshkeys='.length));
    expect(once).toBe(encodeURIComponent(`${KEY_A}\n${KEY_B}`));
    expect(decodeURIComponent(once)).toBe(`${KEY_A}\n${KEY_B}`);
    // the literal '+' inside the RSA key survives both layers
    expect(body).toContain('%252B');
  });

  it('refuses an empty list', () => {
    expect(() => encodeSshKeys([])).toThrow(/at least one/);
  });
});

describe('tags', () => {
  it("joins with ';'", () => {
    expect(encodeTags(['guildserver', 'gs-42'])).toBe('guildserver;gs-42');
  });

  it('refuses invalid tags', () => {
    expect(() => encodeTags(['bad tag'])).toThrow(/invalid tag/);
    expect(() => encodeTags(['-lead'])).toThrow(/invalid tag/);
  });

  it('decodes ; , and space separated lists', () => {
    expect(decodeTags('a;b,c d')).toEqual(['a', 'b', 'c', 'd']);
    expect(decodeTags(undefined)).toEqual([]);
  });
});

describe('property strings', () => {
  it('net0 with bridge, tag and firewall', () => {
    expect(netProperty({ bridge: 'vmbr0', tag: 10, firewall: true })).toBe(
      'virtio,bridge=vmbr0,tag=10,firewall=1',
    );
  });

  it('net0 with a MAC writes model=MAC', () => {
    expect(netProperty({ model: 'e1000', bridge: 'vmbr1', macaddr: 'bc:24:11:00:00:01' })).toBe(
      'e1000=BC:24:11:00:00:01,bridge=vmbr1',
    );
  });

  it('net0 refuses VLAN tags outside 1–4094 and odd bridges', () => {
    expect(() => netProperty({ bridge: 'vmbr0', tag: 0 })).toThrow(/1 to 4094/);
    expect(() => netProperty({ bridge: 'vmbr0', tag: 4095 })).toThrow(/1 to 4094/);
    expect(() => netProperty({ bridge: 'vmbr0,tag=5' })).toThrow(/bridge/);
  });

  it('ipconfig0 dhcp and static', () => {
    expect(ipConfigProperty({ ip: 'dhcp' })).toBe('ip=dhcp');
    expect(ipConfigProperty({ ip: '10.0.0.5/24', gw: '10.0.0.1' })).toBe('ip=10.0.0.5/24,gw=10.0.0.1');
    expect(ipConfigProperty({ ip: 'dhcp', ip6: 'auto' })).toBe('ip=dhcp,ip6=auto');
  });

  it('ipconfig0 refuses malformed addresses', () => {
    expect(() => ipConfigProperty({ ip: '10.0.0.5' })).toThrow(/CIDR/);
    expect(() => ipConfigProperty({ ip: '10.0.0.300/24' })).toThrow(/CIDR/);
    expect(() => ipConfigProperty({ ip: '10.0.0.5/24', gw: 'router' })).toThrow(/gw/);
    expect(() => ipConfigProperty({ ip: 'dhcp', gw: '10.0.0.1' })).toThrow(/dhcp/);
  });

  it('memory is a plain integer', () => {
    expect(memoryValue(4096)).toBe(4096);
    expect(() => memoryValue(8)).toThrow(/at least 16/);
    expect(() => memoryValue(1.5)).toThrow();
  });

  it('cicustom, agent, disk size', () => {
    expect(ciCustomProperty({ user: 'local:snippets/game.yaml' })).toBe('user=local:snippets/game.yaml');
    expect(() => ciCustomProperty({ user: 'game.yaml' })).toThrow(/snippets/);
    expect(agentProperty({ enabled: true, fstrimClonedDisks: true })).toBe('enabled=1,fstrim_cloned_disks=1');
    expect(diskSize('+10G')).toBe('+10G');
    expect(() => diskSize('ten gigs')).toThrow(/32G/);
  });
});

describe('encodeQemuConfig', () => {
  it('turns a typed update into PVE parameters', () => {
    expect(
      encodeQemuConfig({
        name: 'gs-42',
        cores: 2,
        memory: 4096,
        onboot: true,
        agent: true,
        tags: ['guildserver', 'gs-42'],
        net0: { bridge: 'vmbr0', tag: 10, firewall: true },
        ipconfig0: { ip: 'dhcp' },
        ipconfig1: 'ip=10.0.0.5/24,gw=10.0.0.1',
        cicustom: { user: 'local:snippets/game.yaml' },
        delete: ['serial0', 'vga'],
      }),
    ).toEqual({
      name: 'gs-42',
      cores: 2,
      memory: 4096,
      onboot: true,
      agent: true,
      tags: 'guildserver;gs-42',
      net0: 'virtio,bridge=vmbr0,tag=10,firewall=1',
      ipconfig0: 'ip=dhcp',
      ipconfig1: 'ip=10.0.0.5/24,gw=10.0.0.1',
      cicustom: 'user=local:snippets/game.yaml',
      delete: 'serial0,vga',
    });
  });

  it('body sends booleans as 1 and keeps the property strings intact', () => {
    const body = new URLSearchParams(
      encodeForm(encodeQemuConfig({ onboot: true, net0: { bridge: 'vmbr0' } })),
    );
    expect(body.get('onboot')).toBe('1');
    expect(body.get('net0')).toBe('virtio,bridge=vmbr0');
  });
});
