// GuildServer on the real-VM lab: the simulator with the QEMU backend (in this process, answering over HTTP),
// the API and a worker as separate processes (`apps/api/src/main.ts api|worker`, so the worker can be killed
// and replaced), GAME_RUNNER=ansible with a key pair made for the run, on a SQLite file and the suite's Redis;
// and the edge where the Proxmox host would run it: `gs edge up` running in the lab namespace (the VMs'
// gateway), applying its table there and holding sleeping servers' ports on its public address, which is
// HOST_EXTERNAL for the player namespace (EDGE=required). The API listens on the host's end of the lab's veth,
// where the edge reaches it, as an edge host reaches the API across the network.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openDatabase } from '../../apps/api/src/db/database';
import { createApiToken } from '../../apps/api/src/domain/tokens';
import { freePort } from '../../apps/discord-bot/test/integration/stack';
import { LAB_EDGE_PUBLIC_ADDRESS, LAB_HOST_ADDRESS, LAB_NETNS_ADDRESS } from '../../packages/lab/src/index';
import {
  DEFAULT_SIM_TOKEN,
  type LabBackend,
  type RunningSimulator,
  startLabBackend,
  startSimulator,
} from '../../packages/pve-sim/src/index';
import { entryArgs } from './entry';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');

export interface LabStack {
  lab: LabBackend;
  sim: RunningSimulator;
  apiUrl: string;
  adminToken: string;
  botToken: string;
  /** How many game ports the API's database still holds for a server. */
  portsHeldBy(serverId: string): number;
  /** The key GuildServer puts on the VMs (PROXMOX_SSH_PUBLIC_KEY); the worker holds its private half. */
  publicKey: string;
  /** That private half (ANSIBLE_PRIVATE_KEY_FILE), for looking into a VM over SSH. */
  privateKeyFile: string;
  /** Where the edge serves its Prometheus metrics (its per-port counters). */
  edgeMetricsUrl: string;
  /** Runs `gs …` in the player namespace, as a player (or an admin checking from outside) would. */
  gsAsPlayer(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Runs `gs …` on the host with the admin token, as the admin who runs the stack does. */
  gsAsAdmin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The edge's nftables table as `nft list` prints it in the lab namespace ('' when there is none). */
  edgeTable(): Promise<string>;
  /** The last lines the API, worker and edge processes printed, for a failure's report. */
  logs(): string;
  /** Starts (or restarts) the worker process. */
  startWorker(): Promise<void>;
  /** SIGKILL, as a crash would. */
  killWorker(): void;
  /** A second API + worker pair on the same lab with other settings (its own database and VM ids; none of the main stack's settings). */
  startSideStack(name: string, env: Record<string, string>): Promise<SideStack>;
  close(): Promise<void>;
}

export interface SideStack {
  apiUrl: string;
  adminToken: string;
  close(): Promise<void>;
}

interface ApiProcess {
  child: ChildProcess;
  log(): string;
}

function spawnApi(mode: 'api' | 'worker', env: Record<string, string | undefined>): ApiProcess {
  return spawnLogged([process.execPath, ...entryArgs('api'), mode], env);
}

function spawnLogged([command, ...args]: string[], env: Record<string, string | undefined>): ApiProcess {
  let log = '';
  const child = spawn(command!, args, {
    cwd: REPO,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, log: () => log };
}

async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM') {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, signal);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
}

async function waitHealthy(url: string, api: ApiProcess): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    if (api.child.exitCode !== null) throw new Error(`the API exited (${api.child.exitCode}): ${api.log()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`the API did not come up: ${api.log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Until the edge has reported to the API (applied its first table), so creates may wait for it. */
async function waitEdgeReported(apiUrl: string, token: string, edge: ApiProcess): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    if (edge.child.exitCode !== null)
      throw new Error(`the edge exited (${edge.child.exitCode}): ${edge.log()}`);
    const status = await fetch(`${apiUrl}/v1/edge/status`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await status.json()) as { edges?: { name: string; appliedGeneration: number | null }[] };
    if (body.edges?.some((e) => e.name === 'lab-edge' && e.appliedGeneration !== null)) return;
    if (Date.now() > until) throw new Error(`the edge did not report within 60 s: ${edge.log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A `gs` run to its end: its exit code and what it printed. */
async function runGs(
  [command, ...args]: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(command!, args, {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `env`: settings of the API and worker beyond the lab's own (WARM_POOL…). */
export async function startLabStack(
  redisUrl: string,
  settings: Record<string, string> = {},
): Promise<LabStack> {
  const dir = mkdtempSync(join(tmpdir(), 'gs-lab-e2e-'));
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'guildserver-lab', '-f', join(dir, 'id')]);
  const publicKey = readFileSync(join(dir, 'id.pub'), 'utf8').trim();
  const lab = await startLabBackend({ stateDir: join(dir, 'vms') });
  const sim = await startSimulator({ profile: 'fast', backend: lab.backend });

  /** The lab's own settings for a stack named `name`, then `own` (the main stack's `settings`, a side stack's). */
  const baseEnv = (
    name: string,
    port: number,
    own: Record<string, string>,
  ): Record<string, string | undefined> => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // Ansible's own settings from the caller (ANSIBLE_LOG_PATH=… pnpm bench:lab keeps each run's timed log).
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('ANSIBLE_'))),
    PROXMOX_HOST: sim.url,
    PROXMOX_NODE: 'pve',
    PROXMOX_TOKEN_ID: DEFAULT_SIM_TOKEN.id,
    PROXMOX_TOKEN_SECRET: DEFAULT_SIM_TOKEN.secret,
    PROXMOX_SSH_PUBLIC_KEY: publicKey,
    ANSIBLE_PRIVATE_KEY_FILE: join(dir, 'id'),
    DATABASE_PATH: join(dir, `${name}.sqlite`),
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `gs-lab-${name}-${process.pid}-${Date.now()}`,
    GAME_RUNNER: 'ansible',
    API_PORT: String(port),
    HOST_EXTERNAL: LAB_EDGE_PUBLIC_ADDRESS,
    API_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'warn',
    ...own,
  });

  const port = await freePort();
  const env: Record<string, string | undefined> = {
    ...baseEnv('main', port, settings),
    API_HOST: LAB_HOST_ADDRESS,
    EDGE: 'required',
  };
  const db = openDatabase(env.DATABASE_PATH!);
  const adminToken = createApiToken(db, 'operator', ['admin']).token;
  const botToken = createApiToken(db, 'discord-bot', ['bot']).token;
  const edgeToken = createApiToken(db, 'edge', ['edge']).token;
  db.$client.close();
  const apiUrl = `http://${LAB_HOST_ADDRESS}:${port}`;
  const api = spawnApi('api', env);
  await waitHealthy(apiUrl, api);
  const edgeMetricsPort = await freePort();
  const edge = spawnLogged(lab.network.command([process.execPath, ...entryArgs('gs'), 'edge', 'up']), {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    API_URL: apiUrl,
    EDGE_API_TOKEN: edgeToken,
    EDGE_NAME: 'lab-edge',
    EDGE_METRICS_HOST: LAB_NETNS_ADDRESS,
    EDGE_METRICS_PORT: String(edgeMetricsPort),
    EDGE_ASLEEP_ADDRESS: LAB_EDGE_PUBLIC_ADDRESS,
    LOG_LEVEL: 'info',
  });
  await waitEdgeReported(apiUrl, adminToken, edge);
  let worker: ApiProcess | undefined;
  const sides: SideStack[] = [];

  return {
    lab,
    sim,
    apiUrl,
    adminToken,
    botToken,
    publicKey,
    privateKeyFile: join(dir, 'id'),
    edgeMetricsUrl: `http://${LAB_NETNS_ADDRESS}:${edgeMetricsPort}/metrics`,
    gsAsPlayer: (args) =>
      runGs(lab.network.playerCommand([process.execPath, ...entryArgs('gs'), ...args]), {}),
    gsAsAdmin: (args) =>
      runGs([process.execPath, ...entryArgs('gs'), ...args], { API_URL: apiUrl, API_TOKEN: adminToken }),
    async edgeTable() {
      return lab.network.exec(['nft', 'list', 'table', 'inet', 'guildserver']).catch(() => '');
    },
    logs: () =>
      `--- API (exit ${api.child.exitCode ?? api.child.signalCode ?? 'running'}) ---\n${api.log()}\n` +
      `--- worker (exit ${worker?.child.exitCode ?? worker?.child.signalCode ?? 'running'}) ---\n${worker?.log() ?? ''}\n` +
      `--- edge (exit ${edge.child.exitCode ?? edge.child.signalCode ?? 'running'}) ---\n${edge.log()}`,
    portsHeldBy(serverId) {
      const reader = openDatabase(env.DATABASE_PATH!);
      try {
        const row = reader.$client
          .prepare('SELECT count(*) AS n FROM ports WHERE server_id = ?')
          .get(serverId) as { n: number };
        return row.n;
      } finally {
        reader.$client.close();
      }
    },
    async startWorker() {
      await stopProcess(worker?.child);
      worker = spawnApi('worker', env);
    },
    killWorker() {
      if (worker?.child.pid) process.kill(-worker.child.pid, 'SIGKILL');
    },
    async startSideStack(name, extra) {
      const sidePort = await freePort();
      // None of the main stack's settings: a side stack with WARM_POOL would make pool VMs in its own VM ids.
      const sideEnv = baseEnv(name, sidePort, extra);
      const sideDb = openDatabase(sideEnv.DATABASE_PATH!);
      const sideToken = createApiToken(sideDb, 'operator', ['admin']).token;
      sideDb.$client.close();
      const sideApi = spawnApi('api', sideEnv);
      const sideUrl = `http://127.0.0.1:${sidePort}`;
      await waitHealthy(sideUrl, sideApi);
      const sideWorker = spawnApi('worker', sideEnv);
      const side: SideStack = {
        apiUrl: sideUrl,
        adminToken: sideToken,
        close: async () => {
          await stopProcess(sideWorker.child);
          await stopProcess(sideApi.child);
        },
      };
      sides.push(side);
      return side;
    },
    async close() {
      for (const side of sides) await side.close();
      await stopProcess(edge.child);
      await stopProcess(worker?.child);
      await stopProcess(api.child);
      await sim.close();
      await lab.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
