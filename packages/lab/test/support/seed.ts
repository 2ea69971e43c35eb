// A NoCloud seed as Proxmox makes one: an ISO 9660 volume labelled `cidata` with user-data, meta-data and a
// version-1 network config (in Proxmox's words) matching the NIC by MAC address.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../src/run.js';

export interface SeedOptions {
  dir: string;
  instanceId: string;
  hostname: string;
  mac: string;
  sshPublicKey: string;
  /** DHCP by default. */
  staticAddress?: { address: string; netmask: string; gateway: string };
}

/** Writes `<dir>/<hostname>-seed.iso` and returns its path. */
export async function makeNoCloudSeed(options: SeedOptions): Promise<string> {
  const files = join(options.dir, `${options.hostname}-seed`);
  await run('mkdir', ['-p', files]);
  await writeFile(
    join(files, 'user-data'),
    [
      '#cloud-config',
      'users:',
      '  - name: gameserver',
      '    groups: [sudo]',
      '    shell: /bin/bash',
      '    sudo: "ALL=(ALL) NOPASSWD:ALL"',
      '    lock_passwd: true',
      '    ssh_authorized_keys:',
      `      - ${options.sshPublicKey.trim()}`,
      'ssh_pwauth: false',
      'disable_root: true',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(files, 'meta-data'),
    `instance-id: ${options.instanceId}\nlocal-hostname: ${options.hostname}\n`,
  );
  await writeFile(
    join(files, 'network-config'),
    [
      'version: 1',
      'config:',
      '  - type: physical',
      '    name: eth0',
      `    mac_address: '${options.mac}'`,
      '    subnets:',
      ...(options.staticAddress
        ? [
            '      - type: static',
            `        address: '${options.staticAddress.address}'`,
            `        netmask: '${options.staticAddress.netmask}'`,
            `        gateway: '${options.staticAddress.gateway}'`,
          ]
        : ['      - type: dhcp4']),
      '',
    ].join('\n'),
  );
  const iso = join(options.dir, `${options.hostname}-seed.iso`);
  await run('genisoimage', ['-quiet', '-output', iso, '-volid', 'cidata', '-joliet', '-rock', files]);
  return iso;
}
