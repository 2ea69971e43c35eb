// Redis restarted (or emptied) while jobs are queued: SQLite holds the jobs, Redis only pointers to them, so
// none is lost — the queue survives an append-only restart, and the worker's recovery sweep re-enqueues what
// an emptied Redis forgot.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createRequest, type Stack, startStack } from './support.js';

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

/** A redis-server of this test's own, on a fixed port, so it can be stopped and started again in place. */
class OwnRedis {
  private child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
      ],
      { stdio: 'ignore' },
    );
    for (let tries = 0; ; tries++) {
      const client = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch (error) {
        client.disconnect();
        if (tries > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}

describe('Redis restarted while jobs are queued', () => {
  let redis: OwnRedis;
  let stack: Stack;
  let redisDir: string;

  beforeAll(async () => {
    redisDir = mkdtempSync(join(tmpdir(), 'gs-redis-restart-'));
    redis = new OwnRedis(await freePort(), redisDir);
    await redis.start();
    stack = await startStack({ worker: false, env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.stop('SIGTERM');
    rmSync(redisDir, { recursive: true, force: true });
  });

  it('loses no queued job across a hard Redis restart', async () => {
    const created = [];
    for (const name of ['queued-a', 'queued-b', 'queued-c'])
      created.push(await stack.service.create(createRequest(name), ADMIN));
    expect(await stack.services.queue.queue.getWaitingCount()).toBe(3);
    await redis.stop('SIGKILL');
    await redis.start();
    const worker = await stack.startWorker({ sweepIntervalMs: 60_000 });
    for (const { jobId } of created) expect((await stack.waitForJob(jobId, 30_000)).state).toBe('succeeded');
    await worker.close();
  });

  it('loses no queued job when Redis comes back empty: the sweep re-enqueues them from SQLite', async () => {
    const created = [];
    for (const name of ['lost-a', 'lost-b'])
      created.push(await stack.service.create(createRequest(name), ADMIN));
    expect(await stack.services.queue.queue.getWaitingCount()).toBe(2);
    // Redis dies and comes back with its data gone, as after a disk loss.
    await redis.stop('SIGKILL');
    rmSync(redisDir, { recursive: true, force: true });
    mkdirSync(redisDir, { recursive: true });
    await redis.start();
    expect(await stack.services.queue.queue.getWaitingCount()).toBe(0);
    // A worker's sweep at start finds the jobs queued in SQLite but unknown to Redis.
    await stack.startWorker({ sweepIntervalMs: 60_000 });
    for (const { jobId } of created) expect((await stack.waitForJob(jobId, 30_000)).state).toBe('succeeded');
  });

  it('jobs in flight survive a Redis restart', async () => {
    const created = [];
    for (const name of ['flight-a', 'flight-b'])
      created.push(await stack.service.create(createRequest(name), ADMIN));
    await redis.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await redis.start();
    for (const { jobId } of created) expect((await stack.waitForJob(jobId, 30_000)).state).toBe('succeeded');
  });
});
