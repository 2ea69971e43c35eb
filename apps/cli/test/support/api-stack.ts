// What the tests that run `gs` against a real API share: the simulator in-process, the API and a worker as a
// child process (`apps/api/src/main.ts all`) on a real SQLite file and the suite's redis-server, an admin token.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_SIM_TOKEN, type RunningSimulator, startSimulator } from '@guildserver/pve-sim';
import { inject } from 'vitest';
import type { BundledEntry } from '../../../../test/global-bundles.js';
import { entryArgs } from '../../../../test/support/entry.js';

const run = promisify(execFile);
export const REPO = join(import.meta.dirname, '..', '..', '..', '..');
const BASE_ENV = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };

/** Runs an entry point (`gs`, the API) to its end: its exit code and output, never a throw. */
export async function node(
  entry: BundledEntry,
  args: string[],
  env: Record<string, string | undefined>,
  timeout = 60_000,
) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...entryArgs(entry), ...args], {
      cwd: REPO,
      timeout,
      env: { ...BASE_ENV, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, api: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (api.exitCode !== null) throw new Error(`the API exited (${api.exitCode}): ${log()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the API did not come up: ${log()}`);
}

export interface ApiStack {
  url: string;
  /** An admin token. */
  token: string;
  /** The API's data folder (its SQLite file), removed by close(). */
  dir: string;
  close(): Promise<void>;
}

/** Starts the simulator and the API with a worker; call from beforeAll (it takes a few seconds). */
export async function startApiStack(name: string, env: Record<string, string> = {}): Promise<ApiStack> {
  const sim: RunningSimulator = await startSimulator({ profile: 'fast' });
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const apiEnv = {
    PROXMOX_HOST: sim.url,
    PROXMOX_NODE: 'pve',
    PROXMOX_TOKEN_ID: DEFAULT_SIM_TOKEN.id,
    PROXMOX_TOKEN_SECRET: DEFAULT_SIM_TOKEN.secret,
    DATABASE_PATH: join(dir, 'guildserver.sqlite'),
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: `${name}-${process.pid}-${Date.now()}`,
    GAME_RUNNER: 'simulated',
    GAME_LICENSES_ACCEPTED: 'minecraft-eula,steam',
    API_PORT: String(port),
    HOST_EXTERNAL: 'play.example.net',
    LOG_LEVEL: 'warn',
    ...env,
  };
  let apiLog = '';
  const api = spawn(process.execPath, [...entryArgs('api'), 'all'], {
    cwd: REPO,
    env: { ...BASE_ENV, ...apiEnv },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout?.on('data', (chunk: Buffer) => (apiLog = (apiLog + chunk.toString()).slice(-4000)));
  api.stderr?.on('data', (chunk: Buffer) => (apiLog = (apiLog + chunk.toString()).slice(-4000)));

  const close = async () => {
    if (api.pid && api.exitCode === null) {
      const exited = new Promise((resolve) => api.once('exit', resolve));
      process.kill(-api.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (api.exitCode === null) process.kill(-api.pid, 'SIGKILL');
    }
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, api, () => apiLog);
    const created = await node('api', ['token', 'create', '--name', name, '--scope', 'admin'], apiEnv);
    const token = created.stdout.trim();
    if (created.code !== 0 || !token.startsWith('gs_'))
      throw new Error(`no admin token (exit ${created.code}): ${created.stderr}`);
    return { url, token, dir, close };
  } catch (error) {
    await close();
    throw error;
  }
}
