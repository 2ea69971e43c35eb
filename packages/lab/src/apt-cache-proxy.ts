// An HTTP proxy for apt on machines that have no route to anywhere but the host (the test suite's nspawn
// targets, the lab's VMs). It forwards
// only to Debian's archive (the one thing this machine may reach), keeps every downloaded .deb in the cache
// directory (package files never change under the same path, so later runs install without the network),
// and refuses everything else — so a playbook that reaches for the internet fails as it would on a
// firewalled VM, instead of hanging.
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { dirname, resolve as resolvePath, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

const ALLOWED_HOSTS = new Set(['deb.debian.org', 'security.debian.org']);
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

export interface AptCacheProxy {
  url: string;
  /** Requests answered from the cache, fetched upstream, and refused. */
  stats: { hits: number; fetched: number; refused: number };
  close(): Promise<void>;
}

/**
 * Listens on `host` (the host's end of a veth) and `port` (any free one by default); .deb files are cached
 * under `cacheDir`.
 */
export async function startAptCacheProxy(host: string, cacheDir: string, port = 0): Promise<AptCacheProxy> {
  const stats = { hits: 0, fetched: 0, refused: 0 };
  const server: Server = createServer((req, res) => {
    handle(req, res, cacheDir, stats).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });
  // apt asks for HTTPS through CONNECT: nothing here is reachable that way.
  server.on('connect', (_req, socket) => {
    stats.refused++;
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the apt proxy has no TCP address');
  return {
    url: `http://${host}:${address.port}`,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  cacheDir: string,
  stats: AptCacheProxy['stats'],
): Promise<void> {
  let target: URL;
  try {
    target = new URL(req.url ?? '');
  } catch {
    stats.refused++;
    res.writeHead(400).end('this proxy serves absolute http:// URLs only\n');
    return;
  }
  if (target.protocol !== 'http:' || !ALLOWED_HOSTS.has(target.hostname) || req.method !== 'GET') {
    stats.refused++;
    res.writeHead(403).end(`no route to ${target.host} through this proxy\n`);
    return;
  }
  const cacheable = target.pathname.includes('/pool/') && target.pathname.endsWith('.deb');
  const cached = resolvePath(cacheDir, target.hostname, `.${decodeURIComponent(target.pathname)}`);
  // An encoded slash (%2F) survives URL normalisation: `..` must not lead out of the cache.
  if (!cached.startsWith(resolvePath(cacheDir, target.hostname) + sep)) {
    stats.refused++;
    res.writeHead(400).end('bad path\n');
    return;
  }
  if (cacheable && existsSync(cached)) {
    stats.hits++;
    const { size } = await stat(cached);
    res.writeHead(200, { 'content-type': 'application/vnd.debian.binary-package', 'content-length': size });
    await pipeline(createReadStream(cached), res);
    return;
  }
  stats.fetched++;
  const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'host') headers[name] = value;
    }
    request(target, { method: 'GET', headers }, resolve).on('error', reject).end();
  });
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  res.writeHead(upstream.statusCode ?? 502, headers);
  if (!cacheable || upstream.statusCode !== 200) {
    await pipeline(upstream, res);
    return;
  }
  // Written beside the final name and renamed once complete, so a concurrent reader never sees half a file.
  await mkdir(dirname(cached), { recursive: true });
  const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
  const file = createWriteStream(partial);
  upstream.on('data', (chunk: Buffer) => {
    res.write(chunk);
    file.write(chunk);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      upstream.once('end', resolve);
      upstream.once('error', reject);
    });
    res.end();
    await new Promise<void>((resolve, reject) =>
      file.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    await rename(partial, cached);
  } catch (error) {
    file.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}
