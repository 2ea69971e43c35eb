// The cloud-init snippets are valid for cloud-init itself (Debian's `cloud-init schema`) and do what the
// pipeline relies on: the `gameserver` user with a key and sudo, and the guest agent running.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadYaml } from './support/yaml';

const run = promisify(execFile);
const DIR = join(import.meta.dirname, '..', 'cloud-init');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const userData = files.filter((f) => f.startsWith('user-data'));
const networkConfig = files.filter((f) => f.startsWith('network-config'));

/** YAML → JSON through the Python YAML library cloud-init itself uses. */
async function load(file: string): Promise<Record<string, unknown>> {
  return (await loadYaml(join(DIR, file))) as Record<string, unknown>;
}

describe('cloud-init snippets', () => {
  it('has user data and network config examples', () => {
    expect(userData.length).toBeGreaterThanOrEqual(2);
    expect(networkConfig.length).toBeGreaterThanOrEqual(2);
  });

  it.each(userData)('%s is valid cloud-config and sets up gameserver and the guest agent', async (file) => {
    const { stdout } = await run('cloud-init', ['schema', '--config-file', join(DIR, file)]);
    expect(stdout).toContain('Valid cloud-config');
    const config = (await load(file)) as {
      users: { name: string; sudo: string; lock_passwd: boolean; ssh_authorized_keys: string[] }[];
      ssh_pwauth: boolean;
      runcmd: string[][];
    };
    const [user] = config.users;
    expect(user).toMatchObject({ name: 'gameserver', sudo: 'ALL=(ALL) NOPASSWD:ALL', lock_passwd: true });
    expect(user!.ssh_authorized_keys[0]).toMatch(/^ssh-ed25519 /);
    expect(config.ssh_pwauth).toBe(false);
    expect(config.runcmd).toContainEqual(['systemctl', 'enable', '--now', 'qemu-guest-agent']);
  });

  it.each(networkConfig)('%s is a version-2 network config for the virtio NIC', async (file) => {
    const config = (await load(file)) as {
      version: number;
      ethernets: Record<string, { match: { driver: string } }>;
    };
    expect(config.version).toBe(2);
    expect(Object.values(config.ethernets)[0]!.match.driver).toBe('virtio_net');
  });
});
