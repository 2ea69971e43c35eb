import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxmoxClient, TlsMismatchError, type TlsOptions, TlsUntrustedError } from '../src/index';
import { captureLogger } from './fake-server';

let dir: string;
let server: Server;
let url: string;
let fingerprint: string;
let caFile: string;
let otherCaFile: string;

function makeCert(name: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-days',
      '1',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key, cert };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gs-proxmox-tls-'));
  const { key, cert } = makeCert('node');
  caFile = cert;
  otherCaFile = makeCert('other').cert;
  fingerprint = new X509Certificate(readFileSync(cert)).fingerprint256;
  server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
    // A fresh connection per request, so every request goes through the certificate check (and a resumed
    // TLS session, which shows no certificate, would be caught).
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ data: { version: '9.1.3', release: '9.1', repoid: 'abc' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const WRONG = Array.from({ length: 32 }, () => 'AB').join(':');

async function versionWith(tls: TlsOptions, logger = captureLogger().logger, times = 1) {
  const pve = createProxmoxClient({
    baseUrl: url,
    auth: { kind: 'token', tokenId: 'root@pam!t', secret: 's3cr3t-token-value' },
    tls,
    logger,
    retry: { attempts: 1 },
  });
  try {
    for (let i = 1; i < times; i++) await pve.version.get();
    return await pve.version.get();
  } finally {
    await pve.close();
  }
}

describe('TLS', () => {
  it('accepts the pinned fingerprint, in either case, on every new connection', async () => {
    await expect(versionWith({ fingerprint }, undefined, 3)).resolves.toMatchObject({ release: '9.1' });
    await expect(versionWith({ fingerprint: fingerprint.toLowerCase() })).resolves.toMatchObject({
      release: '9.1',
    });
  });

  it('refuses another fingerprint with a clear, typed error', async () => {
    const error = await versionWith({ fingerprint: WRONG }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsMismatchError);
    const e = error as TlsMismatchError;
    expect(e.code).toBe('tls_mismatch');
    expect(e.message).toContain('did not match');
    expect(e.message).toContain('PROXMOX_TLS_FINGERPRINT');
    expect(e.message).toContain('ssl_fingerprint');
    expect(e.message).toContain('pvenode cert info');
    expect(e.message).toContain(fingerprint);
    expect(e.message).not.toMatch(/\n\s+at /);
  });

  it('accepts a certificate signed by the CA file', async () => {
    await expect(versionWith({ caFile })).resolves.toMatchObject({ release: '9.1' });
  });

  it('refuses a certificate the CA file does not sign', async () => {
    const error = await versionWith({ caFile: otherCaFile }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsUntrustedError);
    expect((error as Error).message).toContain('PROXMOX_CA_FILE');
  });

  it('without CA file or fingerprint, a self-signed certificate fails naming both settings', async () => {
    const error = await versionWith({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsUntrustedError);
    expect((error as TlsUntrustedError).code).toBe('tls_untrusted');
    expect((error as Error).message).toContain('PROXMOX_TLS_FINGERPRINT');
    expect((error as Error).message).toContain('PROXMOX_CA_FILE');
  });

  it('CA file and fingerprint together: either one passing is enough', async () => {
    await expect(versionWith({ caFile, fingerprint: WRONG })).resolves.toMatchObject({ release: '9.1' });
    await expect(versionWith({ caFile: otherCaFile, fingerprint })).resolves.toMatchObject({
      release: '9.1',
    });
    await expect(versionWith({ caFile: otherCaFile, fingerprint: WRONG })).rejects.toBeInstanceOf(
      TlsMismatchError,
    );
  });

  it('insecure accepts anything and warns', async () => {
    const log = captureLogger();
    await expect(versionWith({ insecure: true }, log.logger)).resolves.toMatchObject({ release: '9.1' });
    const warning = log.lines.find((l) => l.level === 'warn');
    expect(warning?.msg).toContain('insecure');
  });

  it('refuses a malformed fingerprint up front', () => {
    expect(() =>
      createProxmoxClient({
        baseUrl: url,
        auth: { kind: 'token', tokenId: 'a@b!c', secret: 'x' },
        tls: { fingerprint: 'AB:CD' },
      }),
    ).toThrow(/32 colon-separated hex bytes/);
  });
});
