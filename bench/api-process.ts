// Starts the GuildServer API (apps/api/src/main.ts) in a child process and stops it again; reads its RSS.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SIM_TOKEN } from '@guildserver/pve-sim';

export interface ApiProcess {
  url: string;
  pid: number;
  /** Resident set size in MiB, from /proc. */
  rssMiB(): number;
  stop(): Promise<void>;
}

/**
 * The environment of an API/worker pair driving the simulator at `simUrl`, with every quota and rate limit
 * out of the way so a benchmark measures the machinery, not the policy.
 */
export function unlimitedStackEnv(simUrl: string, perStorage: number): Record<string, string> {
  return {
    PROXMOX_HOST: simUrl,
    PROXMOX_NODE: 'pve',
    PROXMOX_TOKEN_ID: DEFAULT_SIM_TOKEN.id,
    PROXMOX_TOKEN_SECRET: DEFAULT_SIM_TOKEN.secret,
    PROXMOX_LIMIT_PER_STORAGE: String(perStorage),
    GAME_RUNNER: 'simulated',
    GAME_LICENSES_ACCEPTED: 'minecraft-eula,steam',
    WORKER_CONCURRENCY: '50',
    QUOTA_GUILD_SERVERS: '10000',
    QUOTA_GUILD_CORES: '100000',
    QUOTA_GUILD_MEMORY: '100000000',
    QUOTA_USER_SERVERS: '10000',
    QUOTA_USER_CORES: '100000',
    QUOTA_USER_MEMORY: '100000000',
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
  };
}

const MAIN = fileURLToPath(new URL('../apps/api/src/main.ts', import.meta.url));

export function rssMiBOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

/** `role` is `api`, `worker` or `all`; `env` is the whole environment the process gets (plus PATH). */
export async function spawnApi(
  role: 'api' | 'worker' | 'all',
  env: Record<string, string>,
): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, role], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${env.API_PORT}`;
  if (role !== 'worker') {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the API exited at start: ${stderr.trim()}`);
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`the API did not answer /healthz within 30 s: ${stderr.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    pid: child.pid!,
    rssMiB: () => rssMiBOf(child.pid!),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
