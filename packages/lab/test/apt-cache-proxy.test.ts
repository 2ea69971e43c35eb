// The proxy's refusals, which need no network: only plain-HTTP GETs to Debian's archive pass.

import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AptCacheProxy, startAptCacheProxy } from '../src/apt-cache-proxy.js';

describe('the caching apt proxy', () => {
  let dir: string;
  let proxy: AptCacheProxy;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gs-apt-proxy-'));
    proxy = await startAptCacheProxy('127.0.0.1', dir);
  });
  afterAll(async () => {
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (url: string, method = 'GET') =>
    new Promise<number>((resolve, reject) => {
      const { port } = new URL(proxy.url);
      request({ host: '127.0.0.1', port, method, path: url }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });

  it('refuses other hosts, other methods and relative URLs', async () => {
    expect(await get('http://example.com/debian/pool/main/x.deb')).toBe(403);
    expect(await get('http://deb.debian.org/debian/dists/bookworm/Release', 'POST')).toBe(403);
    expect(await get('/debian/dists/bookworm/Release')).toBe(400);
  });

  it('does not let an encoded slash lead out of its cache directory', async () => {
    expect(await get('http://deb.debian.org/debian/pool/..%2F..%2F..%2Fescaped.deb')).toBe(400);
    expect(proxy.stats.fetched).toBe(0);
  });
});
