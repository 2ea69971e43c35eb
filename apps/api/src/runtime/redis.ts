import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface RedisHandle {
  url: string;
  /** Stops the redis-server we started; a no-op for a configured one. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The configured REDIS_URL, or a private `redis-server` on a free loopback port with its data in `dir`
 * (append-only, so queued jobs survive a restart of it). Fails with one sentence when redis-server is missing.
 */
export async function ensureRedis(configuredUrl: string | undefined, dir: string): Promise<RedisHandle> {
  if (configuredUrl) return { url: configuredUrl, stop: async () => {} };
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const url = `redis://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'ENOENT'
            ? 'redis-server is not installed: run `sudo apt-get install -y redis-server`, or set REDIS_URL to a Redis you run.'
            : `redis-server could not start: ${error.message}`,
        ),
      ),
    );
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited at start (code ${code}); its data folder is ${dir}.`)),
    );
    const probe = async (tries: number): Promise<void> => {
      const client = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => {}); // refused while the server starts: the loop below retries
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        resolve();
      } catch {
        client.disconnect();
        if (tries <= 0) reject(new Error('redis-server did not answer within 10 s.'));
        else setTimeout(() => void probe(tries - 1), 100);
      }
    };
    void probe(100);
  });
  child.removeAllListeners('exit');
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
