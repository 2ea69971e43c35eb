import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  cloudInitUserData,
  decodeSshKeys,
  nocloudNetworkConfig,
  nocloudSeedFiles,
} from '../../src/qemu/cloud-init-seed.js';
import { parseResolvConf } from '../../src/qemu/host-dns.js';
import { writeSeedIso } from '../../src/qemu/seed-iso.js';
import { tempDir } from './support/temp-dir.js';

const run = promisify(execFile);
const hostDns = { nameservers: ['10.255.255.53'], search: 'node.lan' };
const KEYS = 'ssh-ed25519 AAAAC3Nza+key/1= admin@guild\nssh-rsa AAAAB3Nza admin@laptop\n';

function vmConfig(extra: Record<string, string> = {}): Record<string, string> {
  return {
    name: 'mc-survival',
    ciuser: 'debian',
    net0: 'virtio=BC:24:11:AA:0B:1C,bridge=vmbr0',
    ipconfig0: 'ip=dhcp',
    ide2: 'local-lvm:vm-101-cloudinit,media=cdrom',
    scsi0: 'local-lvm:base-9000-disk-0/vm-101-disk-0,size=4G',
    ...extra,
  };
}

describe('user-data', () => {
  it('is the #cloud-config PVE writes, with URL-decoded ssh keys', () => {
    const userData = cloudInitUserData(vmConfig({ sshkeys: encodeURIComponent(KEYS) }), 101);
    expect(userData).toBe(
      [
        '#cloud-config',
        'hostname: mc-survival',
        'manage_etc_hosts: true',
        'fqdn: mc-survival',
        'user: debian',
        'ssh_authorized_keys:',
        '  - ssh-ed25519 AAAAC3Nza+key/1= admin@guild',
        '  - ssh-rsa AAAAB3Nza admin@laptop',
        'chpasswd:',
        '  expire: False',
        'users:',
        '  - default',
        'package_upgrade: true',
        '',
      ].join('\n'),
    );
  });

  it('decodes %XX only, as uri_unescape does (a + stays a +)', () => {
    expect(decodeSshKeys('ssh-ed25519%20AAAA+x%2By%0A%0A%20%0Assh-rsa%20BBB')).toEqual([
      'ssh-ed25519 AAAA+x+y',
      'ssh-rsa BBB',
    ]);
  });

  it('takes the fqdn from the searchdomain, a root user, a password and no upgrade', () => {
    const userData = cloudInitUserData(
      { name: 'web', searchdomain: 'guild.lan', ciuser: 'root', cipassword: '$6$salt$hash', ciupgrade: '0' },
      102,
    );
    expect(userData).toBe(
      [
        '#cloud-config',
        'hostname: web',
        'manage_etc_hosts: true',
        'fqdn: web.guild.lan',
        'user: root',
        'disable_root: False',
        'password: $6$salt$hash',
        'chpasswd:',
        '  expire: False',
        '',
      ].join('\n'),
    );
  });

  it('names a VM without a name VM<vmid> and splits a dotted name', () => {
    expect(cloudInitUserData({}, 103)).toContain('hostname: VM103\nmanage_etc_hosts: true\nfqdn: VM103\n');
    expect(cloudInitUserData({ name: 'a.b.c' }, 103)).toContain(
      'hostname: a\nmanage_etc_hosts: true\nfqdn: a.b.c\n',
    );
  });
});

describe('network-config', () => {
  it('matches eth0 by its lower-cased MAC with DHCP, and names the node DNS when the VM has none', () => {
    expect(nocloudNetworkConfig(vmConfig(), hostDns)).toBe(
      [
        'version: 1',
        'config:',
        '    - type: physical',
        '      name: eth0',
        "      mac_address: 'bc:24:11:aa:0b:1c'",
        '      subnets:',
        '      - type: dhcp4',
        '    - type: nameserver',
        '      address:',
        "      - '10.255.255.53'",
        '      search:',
        "      - 'node.lan'",
        '',
      ].join('\n'),
    );
  });

  it('writes a static address with netmask and gateway, and the VM own nameservers', () => {
    const config = vmConfig({
      ipconfig0: 'ip=10.77.0.50/24,gw=10.77.0.1',
      nameserver: '10.77.0.1 1.1.1.1',
      searchdomain: 'guild.lan',
    });
    expect(nocloudNetworkConfig(config, hostDns)).toBe(
      [
        'version: 1',
        'config:',
        '    - type: physical',
        '      name: eth0',
        "      mac_address: 'bc:24:11:aa:0b:1c'",
        '      subnets:',
        '      - type: static',
        "        address: '10.77.0.50'",
        "        netmask: '255.255.255.0'",
        "        gateway: '10.77.0.1'",
        '    - type: nameserver',
        '      address:',
        "      - '10.77.0.1'",
        "      - '1.1.1.1'",
        '      search:',
        "      - 'guild.lan'",
        '',
      ].join('\n'),
    );
  });

  it('skips NICs without ipconfig, takes dhcp for both families when ipconfig names neither', () => {
    const text = nocloudNetworkConfig(
      vmConfig({ net1: 'e1000=BC:24:11:00:00:02', ipconfig0: 'ip6=auto', net2: 'virtio=BC:24:11:00:00:03' }),
      { nameservers: [] },
    );
    expect(text).toContain('      - type: ipv6_slaac\n    - type: nameserver\n');
    expect(text).not.toContain('eth1');
    expect(nocloudNetworkConfig(vmConfig({ ipconfig0: 'gw=10.0.0.1' }), { nameservers: [] })).toContain(
      '      subnets:\n    - type: nameserver\n',
    );
  });

  it('refuses a static address without prefix with PVE wording', () => {
    expect(() => nocloudNetworkConfig(vmConfig({ ipconfig0: 'ip=10.0.0.5' }), hostDns)).toThrow(
      'not a CIDR: 10.0.0.5',
    );
  });

  it('reads the node resolv.conf as PVE does', () => {
    expect(
      parseResolvConf(
        '# x\nsearch a.lan b.lan\nnameserver 1.1.1.1\nnameserver 2.2.2.2\nnameserver 3.3.3.3\nnameserver 4.4.4.4\n',
      ),
    ).toEqual({ search: 'a.lan', nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3'] });
  });
});

describe('seed files', () => {
  const snippetsDir = tempDir('snippets');
  writeFileSync(join(snippetsDir, 'user.yaml'), '#cloud-config\nruncmd: [touch /ok]\n');
  writeFileSync(join(snippetsDir, 'vendor.yaml'), '#cloud-config\npackages: [jq]\n');
  const sources = { snippetDirs: { local: snippetsDir }, hostDns };

  it('has an instance id that is the SHA-1 of user-data and network-config, and empty vendor-data', async () => {
    const files = await nocloudSeedFiles(vmConfig(), 101, sources);
    const expected = createHash('sha1')
      .update(Buffer.concat([files['user-data'], files['network-config']]))
      .digest('hex');
    expect(files['meta-data'].toString()).toBe(`instance-id: ${expected}\n`);
    expect(files['vendor-data'].length).toBe(0);
    const changed = await nocloudSeedFiles(vmConfig({ name: 'renamed' }), 101, sources);
    expect(changed['meta-data'].toString()).not.toBe(files['meta-data'].toString());
  });

  it('replaces the parts cicustom names with snippets, the instance id following them', async () => {
    const files = await nocloudSeedFiles(
      vmConfig({ cicustom: 'user=local:snippets/user.yaml,vendor=local:snippets/vendor.yaml' }),
      101,
      sources,
    );
    expect(files['user-data'].toString()).toBe('#cloud-config\nruncmd: [touch /ok]\n');
    expect(files['vendor-data'].toString()).toBe('#cloud-config\npackages: [jq]\n');
    expect(files['network-config'].toString()).toContain('- type: dhcp4');
    const expected = createHash('sha1')
      .update('#cloud-config\nruncmd: [touch /ok]\n')
      .update(files['network-config']);
    expect(files['meta-data'].toString()).toBe(`instance-id: ${expected.digest('hex')}\n`);
  });

  it.each([
    ['user=local:snippets/missing.yaml', "can't find file 'local:snippets/missing.yaml'"],
    ['network=nfs:snippets/user.yaml', "storage 'nfs' does not exist"],
    ['meta=local:iso/seed.iso', 'local:iso/seed.iso is not in the snippets directory'],
  ])('refuses cicustom %s with PVE wording', async (cicustom, message) => {
    await expect(nocloudSeedFiles(vmConfig({ cicustom }), 101, sources)).rejects.toThrow(message);
  });
});

describe('seed ISO', () => {
  it('is an ISO9660 volume `cidata` holding the four files', async () => {
    const dir = tempDir('seed');
    const iso = join(dir, 'cloudinit.iso');
    const files = await nocloudSeedFiles(vmConfig({ sshkeys: encodeURIComponent(KEYS) }), 101, {
      snippetDirs: {},
      hostDns,
    });
    await writeSeedIso(files, iso);
    const { stdout: description } = await run('file', ['-b', iso]);
    expect(description).toMatch(/ISO 9660 CD-ROM filesystem data 'cidata'/);
    const { stdout: listing } = await run('isoinfo', ['-R', '-f', '-i', iso]);
    expect(listing.split('\n').filter(Boolean).sort()).toEqual([
      '/meta-data',
      '/network-config',
      '/user-data',
      '/vendor-data',
    ]);
    const { stdout: userData } = await run('isoinfo', ['-R', '-i', iso, '-x', '/user-data']);
    expect(userData).toBe(files['user-data'].toString());
    const { stdout: joliet } = await run('isoinfo', ['-d', '-i', iso]);
    expect(joliet).toMatch(/Joliet/);
  });
});
