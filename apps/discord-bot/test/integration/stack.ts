// The real back end for the bot's integration tests: the Proxmox simulator in-process, the API and its worker
// as a child process (the bundle of `apps/api/src/main.ts all`) on a SQLite file in a temp dir and the suite's redis-server,
// and a bot token. Plus a tiny HTTP proxy that can delay the API's answers.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  request as httpRequest,
} from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SIM_TOKEN, type RunningSimulator, startSimulator } from '@guildserver/pve-sim';
import { entryArgs } from '../../../../test/support/entry.js';
import { openDatabase } from '../../../api/src/db/database.js';
import { createApiToken } from '../../../api/src/domain/tokens.js';
import { createScheduleQueue } from '../../../api/src/queue/schedule-queue.js';

const REPO = join(import.meta.dirname, '..', '..', '..', '..');

export interface Stack {
  sim: RunningSimulator;
  dir: string;
  apiUrl: string;
  databasePath: string;
  botToken: string;
  adminToken: string;
  /** Runs SQL against the API's database (e.g. to make players appear, which the simulated game never has). */
  sql(statement: string, ...params: unknown[]): void;
  /** Adds the job BullMQ's job scheduler adds when a schedule's time comes: the API's worker runs it. */
  fireSchedule(scheduleId: string): Promise<void>;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startStack(
  redisUrl: string,
  name: string,
  extraEnv: Record<string, string> = {},
): Promise<Stack> {
  const sim = await startSimulator({ profile: 'fast' });
  const dir = mkdtempSync(join(tmpdir(), `gs-bot-${name}-`));
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const databasePath = join(dir, 'guildserver.sqlite');
  const queuePrefix = `gs-bot-${name}-${process.pid}-${Date.now()}`;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PROXMOX_HOST: sim.url,
    PROXMOX_NODE: 'pve',
    PROXMOX_TOKEN_ID: DEFAULT_SIM_TOKEN.id,
    PROXMOX_TOKEN_SECRET: DEFAULT_SIM_TOKEN.secret,
    DATABASE_PATH: databasePath,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    GAME_RUNNER: 'simulated',
    GAME_LICENSES_ACCEPTED: 'minecraft-eula,steam',
    API_PORT: String(port),
    HOST_EXTERNAL: 'play.example.net',
    API_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const db = openDatabase(databasePath);
  const botToken = createApiToken(db, 'discord-bot', ['bot']).token;
  const adminToken = createApiToken(db, 'operator', ['admin']).token;
  let log = '';
  const api: ChildProcess = spawn(process.execPath, [...entryArgs('api'), 'all'], {
    cwd: REPO,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  api.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const until = Date.now() + 60_000;
  for (;;) {
    if (api.exitCode !== null) throw new Error(`the API exited (${api.exitCode}): ${log}`);
    try {
      if ((await fetch(`${apiUrl}/healthz`)).ok) break;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`the API did not come up: ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    sim,
    dir,
    apiUrl,
    databasePath,
    botToken,
    adminToken,
    sql(statement, ...params) {
      db.$client.prepare(statement).run(...params);
    },
    async fireSchedule(scheduleId) {
      // BullMQ opens its own connection from these options.
      const { hostname, port } = new URL(redisUrl);
      const connection = { host: hostname, port: Number(port) };
      const schedules = createScheduleQueue(
        connection as unknown as Parameters<typeof createScheduleQueue>[0],
        queuePrefix,
        60_000,
      );
      try {
        await schedules.queue.add('run', { scheduleId });
      } finally {
        await schedules.close();
      }
    },
    async close() {
      if (api.pid && api.exitCode === null) {
        const exited = new Promise((resolve) => api.once('exit', resolve));
        process.kill(-api.pid, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (api.exitCode === null) process.kill(-api.pid, 'SIGKILL');
      }
      db.$client.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An HTTP proxy in front of the API whose answers can be held back (`delayMs`), streams excepted. */
export interface SlowProxy {
  url: string;
  delayMs: number;
  close(): Promise<void>;
}

export async function startSlowProxy(target: string): Promise<SlowProxy> {
  const upstream = new URL(target);
  const proxy: SlowProxy = { url: '', delayMs: 0, close: async () => undefined };
  const server: HttpServer = createHttpServer((req, res) => {
    const stream = (req.url ?? '').startsWith('/v1/events/stream');
    const forward = () => {
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    if (stream || proxy.delayMs === 0) forward();
    else setTimeout(forward, proxy.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
