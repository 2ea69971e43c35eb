import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_VERSION, toProxmoxClientOptions, USER_AGENT } from '../src/index';

describe('toProxmoxClientOptions', () => {
  it('maps token settings', () => {
    expect(
      toProxmoxClientOptions({
        baseUrl: 'https://pve.lan:8006',
        auth: { kind: 'token', tokenId: 'gs@pve!bot', tokenSecret: 'abcd-1234' },
        tls: { fingerprint: 'AB:CD', caFile: undefined, insecure: false },
        maxConnections: 8,
      }),
    ).toEqual({
      baseUrl: 'https://pve.lan:8006',
      auth: { kind: 'token', tokenId: 'gs@pve!bot', secret: 'abcd-1234' },
      tls: { insecure: false, fingerprint: 'AB:CD' },
      connections: 8,
    });
  });

  it('maps ticket settings and keeps extras', () => {
    const logger = { debug() {}, warn() {} };
    const options = toProxmoxClientOptions(
      {
        baseUrl: 'https://pve.lan:8006',
        auth: { kind: 'ticket', username: 'root@pam', password: 'pw' },
        tls: { caFile: '/etc/pve/pve-root-ca.pem', insecure: false },
        maxConnections: 16,
      },
      { logger },
    );
    expect(options.auth).toEqual({ kind: 'ticket', username: 'root@pam', password: 'pw' });
    expect(options.tls).toEqual({ insecure: false, caFile: '/etc/pve/pve-root-ca.pem' });
    expect(options.logger).toBe(logger);
  });
});

describe('version', () => {
  it('matches package.json and names the client', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(CLIENT_VERSION).toBe(pkg.version);
    expect(USER_AGENT).toBe(`guildserver-proxmox/${pkg.version}`);
  });
});
