import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadProxmoxConfig } from '../src/index';

const SECRET = '5f0c1e2a-9d7b-4c3e-8a61-2b4f6d8e0c11';
const ED25519 =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop';
const FINGERPRINT = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0')).join(':');

const BASE = {
  PROXMOX_HOST: 'pve.lan',
  PROXMOX_TOKEN_ID: 'guildserver@pve!provisioner',
  PROXMOX_TOKEN_SECRET: SECRET,
  PROXMOX_NODE: 'pve',
};

let dir: string;
let caFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gs-config-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadProxmoxConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function expectOneSentence(message: string) {
  expect(message).toMatch(/\.$/);
  expect(message.slice(0, -1)).not.toMatch(/\.\s/);
  expect(message).not.toContain('\n');
}

describe('loadProxmoxConfig', () => {
  it('applies defaults', () => {
    expect(loadProxmoxConfig(BASE)).toEqual({
      host: 'pve.lan',
      port: 8006,
      baseUrl: 'https://pve.lan:8006',
      auth: { kind: 'token', tokenId: 'guildserver@pve!provisioner', tokenSecret: SECRET },
      tls: { insecure: false },
      maxConnections: 16,
      node: 'pve',
      networkBridge: 'vmbr0',
      storage: 'local-lvm',
      baseImageVmid: 9000,
      sshPublicKeys: [],
      cloneTimeoutSeconds: 600,
      agentTimeoutSeconds: 300,
    });
  });

  it('reads every variable', () => {
    const config = loadProxmoxConfig({
      ...BASE,
      PROXMOX_HOST: 'https://10.0.0.2:8443/',
      PROXMOX_NETWORK_BRIDGE: 'vmbr1',
      PROXMOX_STORAGE: 'lvm-thick',
      PROXMOX_VLAN_TAG: '42',
      PROXMOX_BASE_IMAGE_VMID: '9100',
      PROXMOX_SSH_PUBLIC_KEY: `${ED25519}\n\n${ED25519.replace('alice@laptop', 'bob')}\n`,
      PROXMOX_TIMEOUT_CLONE: '900',
      PROXMOX_CI_CUSTOM_USER_DATA: 'local:snippets/guildserver.yaml',
      PROXMOX_CA_FILE: caFile,
      PROXMOX_TLS_FINGERPRINT: FINGERPRINT,
      PROXMOX_TLS_INSECURE: '0',
      PROXMOX_MAX_CONNECTIONS: '4',
    });
    expect(config).toMatchObject({
      baseUrl: 'https://10.0.0.2:8443',
      port: 8443,
      networkBridge: 'vmbr1',
      storage: 'lvm-thick',
      vlanTag: 42,
      baseImageVmid: 9100,
      cloneTimeoutSeconds: 900,
      ciCustomUserData: 'local:snippets/guildserver.yaml',
      tls: { caFile, fingerprint: FINGERPRINT.toUpperCase(), insecure: false },
      maxConnections: 4,
    });
    expect(config.sshPublicKeys).toHaveLength(2);
  });

  it.each([
    ['pve.lan:8007', 'https://pve.lan:8007'],
    ['https://pve.lan', 'https://pve.lan:8006'],
    ['http://127.0.0.1:18006', 'http://127.0.0.1:18006'],
    ['[fd00::2]:8006', 'https://[fd00::2]:8006'],
  ])('host %s → %s', (host, baseUrl) => {
    expect(loadProxmoxConfig({ ...BASE, PROXMOX_HOST: host }).baseUrl).toBe(baseUrl);
  });

  it.each(['http://pve.lan:8006', 'pve.lan:99999', 'https://pve.lan/api2/json', 'ftp://pve.lan', 'pve lan'])(
    'refuses host %s',
    (host) => {
      const error = configError({ ...BASE, PROXMOX_HOST: host });
      expect(error.message).toMatch(/^PROXMOX_HOST must be host, host:port or https:\/\/host:port/);
      expectOneSentence(error.message);
    },
  );

  it.each([
    ['PROXMOX_HOST', undefined, /PROXMOX_HOST is required/],
    ['PROXMOX_NODE', '', /PROXMOX_NODE is required/],
    ['PROXMOX_VLAN_TAG', '4095', /PROXMOX_VLAN_TAG must be an integer from 1 to 4094 \(got "4095"\)/],
    ['PROXMOX_VLAN_TAG', 'ten', /PROXMOX_VLAN_TAG must be an integer from 1 to 4094/],
    ['PROXMOX_BASE_IMAGE_VMID', '99', /PROXMOX_BASE_IMAGE_VMID must be an integer from 100 to 999999999/],
    [
      'PROXMOX_TOKEN_ID',
      'root@pam',
      /PROXMOX_TOKEN_ID must be an API token id of the form user@realm!tokenname/,
    ],
    [
      'PROXMOX_SSH_PUBLIC_KEY',
      'ssh-ed25519 bm90IGEga2V5',
      /PROXMOX_SSH_PUBLIC_KEY must be one or more OpenSSH public keys/,
    ],
    ['PROXMOX_TIMEOUT_CLONE', '-5', /PROXMOX_TIMEOUT_CLONE must be a number of seconds/],
    ['PROXMOX_CI_CUSTOM_USER_DATA', 'user-data.yaml', /PROXMOX_CI_CUSTOM_USER_DATA must be a snippet volume/],
    [
      'PROXMOX_CA_FILE',
      '/nonexistent/ca.pem',
      /PROXMOX_CA_FILE must be the path of an existing, readable PEM file/,
    ],
    ['PROXMOX_TLS_FINGERPRINT', 'AB:CD:EF', /PROXMOX_TLS_FINGERPRINT must be a SHA-256 fingerprint of 32/],
    ['PROXMOX_TLS_INSECURE', 'yes', /PROXMOX_TLS_INSECURE must be true, false, 1 or 0/],
    ['PROXMOX_MAX_CONNECTIONS', '0', /PROXMOX_MAX_CONNECTIONS must be an integer from 1 to 256/],
    ['PROXMOX_NETWORK_BRIDGE', 'vmbr0,tag=5', /PROXMOX_NETWORK_BRIDGE must be a bridge name/],
  ])('%s=%s fails with one sentence naming it', (name, value, pattern) => {
    const error = configError({ ...BASE, [name]: value });
    expect(error.message).toMatch(pattern);
    expect(error.variables).toContain(name);
    expectOneSentence(error.message);
  });

  it('a CA directory is not a readable file', () => {
    expect(configError({ ...BASE, PROXMOX_CA_FILE: dir }).message).toMatch(/^PROXMOX_CA_FILE must be/);
  });

  it('refuses insecure together with a CA file or fingerprint', () => {
    const error = configError({
      ...BASE,
      PROXMOX_TLS_INSECURE: 'true',
      PROXMOX_TLS_FINGERPRINT: FINGERPRINT,
    });
    expect(error.message).toMatch(/^PROXMOX_TLS_INSECURE must be false when/);
    expectOneSentence(error.message);
    expect(loadProxmoxConfig({ ...BASE, PROXMOX_TLS_INSECURE: 'true' }).tls).toEqual({ insecure: true });
  });

  describe('auth', () => {
    it('needs a token id unless ticket auth is configured', () => {
      const error = configError({ PROXMOX_HOST: 'pve.lan', PROXMOX_NODE: 'pve' });
      expect(error.message).toMatch(/^PROXMOX_TOKEN_ID is required/);
      expect(error.message).toContain('PROXMOX_USER');
      expectOneSentence(error.message);
    });

    it('needs the secret with the token id', () => {
      expect(configError({ ...BASE, PROXMOX_TOKEN_SECRET: undefined }).message).toMatch(
        /^PROXMOX_TOKEN_SECRET is required/,
      );
    });

    it('never echoes a secret', () => {
      const bad = 'super secret with spaces';
      const error = configError({ ...BASE, PROXMOX_TOKEN_SECRET: bad });
      expect(error.message).toMatch(/^PROXMOX_TOKEN_SECRET must be/);
      expect(error.message).not.toContain(bad);
      expect(JSON.stringify(error)).not.toContain(bad);
      expect(error.stack).not.toContain(bad);
    });

    it('ticket auth with user and password', () => {
      const config = loadProxmoxConfig({
        PROXMOX_HOST: 'pve.lan',
        PROXMOX_NODE: 'pve',
        PROXMOX_USER: 'root@pam',
        PROXMOX_PASSWORD: 'pass word',
      });
      expect(config.auth).toEqual({ kind: 'ticket', username: 'root@pam', password: 'pass word' });
    });

    it('ticket auth needs both parts, and not together with a token', () => {
      expect(
        configError({ PROXMOX_HOST: 'pve.lan', PROXMOX_NODE: 'pve', PROXMOX_USER: 'root@pam' }).message,
      ).toMatch(/^PROXMOX_PASSWORD is required/);
      expect(configError({ ...BASE, PROXMOX_USER: 'root@pam', PROXMOX_PASSWORD: 'x' }).message).toMatch(
        /^PROXMOX_USER and PROXMOX_PASSWORD must be unset when PROXMOX_TOKEN_ID is set/,
      );
    });
  });
});
