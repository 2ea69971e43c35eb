// The job API end to end: simulator, API and worker each in their own process, real HTTP and Redis.
// Figures: control-plane overhead per create, Proxmox calls per create, 100 concurrent creates, RSS.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../apps/api/src/db/database.js';
import { createApiToken } from '../apps/api/src/domain/tokens.js';
import { ensureRedis } from '../apps/api/src/runtime/redis.js';
import { freePort } from './api-list';
import { type ApiProcess, spawnApi, unlimitedStackEnv } from './api-process';
import type { Benchmark } from './benchmark';
import { mean, percentile, printJsonLine, printTable, round } from './report';
import { spawnSimulator } from './sim-process';

const SEQUENTIAL = 5;
const CONCURRENT = 100;
const GUILD = '100000000000000001';
const CHANNEL = '300000000000000000';
const PER_STORAGE = 2;

// The fast profile's fixed durations (packages/pve-sim/src/profiles.ts): what the simulator itself spends on a
// create — linked clone, config, start, the guest agent's boot and DHCP (resize is a no-op for this size).
const SIM_TIME_PER_CREATE_MS = 60 + 10 + 40 + 60 + 40;
const CLONE_MS = 60;
/** Calls that only wait for something (task status and log, guest-agent address polling). */
const POLLING = /tasks\/\{upid\}\/(status|log)|agent\/network-get-interfaces/;

interface Stack {
  api: ApiProcess;
  worker: ApiProcess;
  simUrl: string;
  token: string;
  stop(): Promise<void>;
}

async function startStack(): Promise<Stack> {
  const sim = await spawnSimulator({ profile: 'fast', authFailureDelayMs: 0, storageLockSlots: PER_STORAGE });
  const dir = mkdtempSync(join(tmpdir(), 'gs-bench-creates-'));
  const redis = await ensureRedis(process.env.REDIS_URL, join(dir, 'redis'));
  const env = {
    API_PORT: String(await freePort()),
    DATABASE_PATH: join(dir, 'guildserver.sqlite'),
    REDIS_URL: redis.url,
    ...unlimitedStackEnv(sim.url, PER_STORAGE),
  };
  const db = openDatabase(env.DATABASE_PATH);
  const { token } = createApiToken(db, 'bench', ['admin']);
  db.$client.close();
  const api = await spawnApi('api', env);
  const worker = await spawnApi('worker', env);
  return {
    api,
    worker,
    simUrl: sim.url,
    token,
    stop: async () => {
      await worker.stop();
      await api.stop();
      await sim.stop();
      await redis.stop();
    },
  };
}

async function simCalls(url: string): Promise<Record<string, number>> {
  return (await (await fetch(`${url}/_sim/calls`)).json()) as Record<string, number>;
}

function callsBetween(before: Record<string, number>, after: Record<string, number>) {
  let all = 0;
  let polling = 0;
  for (const [endpoint, count] of Object.entries(after)) {
    const delta = count - (before[endpoint] ?? 0);
    all += delta;
    if (POLLING.test(endpoint)) polling += delta;
  }
  return { all, polling, acting: all - polling };
}

async function create(stack: Stack, name: string): Promise<{ id: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${stack.api.url}/v1/servers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      game: 'minecraft-java',
      name,
      guildId: GUILD,
      ownerId: GUILD,
      channelId: CHANNEL,
    }),
  });
  if (res.status !== 202) throw new Error(`create ${name} answered ${res.status}: ${await res.text()}`);
  const { server } = (await res.json()) as { server: { id: string } };
  for (;;) {
    const state = (await (
      await fetch(`${stack.api.url}/v1/servers/${server.id}`, {
        headers: { authorization: `Bearer ${stack.token}` },
      })
    ).json()) as {
      state: string;
      failure: unknown;
    };
    if (state.state === 'running') return { id: server.id, ms: performance.now() - started };
    if (state.state === 'failed') throw new Error(`create ${name} failed: ${JSON.stringify(state.failure)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const apiCreates: Benchmark = {
  name: 'api-creates',
  summary: `creates through API + worker processes: overhead per create, Proxmox calls, ${CONCURRENT} concurrent, RSS`,
  async run() {
    const stack = await startStack();
    try {
      const sequential: { ms: number; calls: ReturnType<typeof callsBetween> }[] = [];
      for (let i = 0; i < SEQUENTIAL; i++) {
        const before = await simCalls(stack.simUrl);
        const { ms } = await create(stack, `solo-${i}`);
        sequential.push({ ms, calls: callsBetween(before, await simCalls(stack.simUrl)) });
      }
      const wall = sequential.map((s) => s.ms);
      printTable('One create at a time (fast profile: fixed task durations)', [
        {
          creates: SEQUENTIAL,
          'wall p50 ms': round(percentile(wall, 50), 0),
          'sim time ms': SIM_TIME_PER_CREATE_MS,
          'overhead p50 ms': round(percentile(wall, 50) - SIM_TIME_PER_CREATE_MS, 0),
          'overhead max ms': round(Math.max(...wall) - SIM_TIME_PER_CREATE_MS, 0),
          'Proxmox calls (no polling)': round(mean(sequential.map((s) => s.calls.acting)), 1),
          'polling calls': round(mean(sequential.map((s) => s.calls.polling)), 1),
        },
      ]);

      // Idle: warmed up by the creates above, nothing running.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const idle = { api: stack.api.rssMiB(), worker: stack.worker.rssMiB() };
      let peak = { api: 0, worker: 0 };
      const sampler = setInterval(() => {
        peak = {
          api: Math.max(peak.api, stack.api.rssMiB()),
          worker: Math.max(peak.worker, stack.worker.rssMiB()),
        };
      }, 100);
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: CONCURRENT }, (_, i) => create(stack, `crowd-${i}`)),
      );
      const concurrentMs = performance.now() - started;
      clearInterval(sampler);
      const bound = (CONCURRENT / PER_STORAGE) * CLONE_MS;
      printTable(`${CONCURRENT} concurrent creates`, [
        {
          'wall s': round(concurrentMs / 1000, 2),
          'per-storage bound s': round(bound / 1000, 2),
          'wall / bound': round(concurrentMs / bound, 1),
          'create p50 s': round(
            percentile(
              results.map((r) => r.ms),
              50,
            ) / 1000,
            2,
          ),
          'create p99 s': round(
            percentile(
              results.map((r) => r.ms),
              99,
            ) / 1000,
            2,
          ),
        },
      ]);
      printTable('Resident memory (MiB)', [
        { process: 'API', idle: round(idle.api, 0), 'peak under load': round(peak.api, 0) },
        { process: 'worker', idle: round(idle.worker, 0), 'peak under load': round(peak.worker, 0) },
      ]);
      printJsonLine('api-creates', {
        sequential: {
          creates: SEQUENTIAL,
          wallP50Ms: percentile(wall, 50),
          simTimeMs: SIM_TIME_PER_CREATE_MS,
          callsActing: mean(sequential.map((s) => s.calls.acting)),
        },
        concurrent: { creates: CONCURRENT, wallMs: concurrentMs, perStorageBoundMs: bound },
        rssMiB: { idle, peak },
      });
    } finally {
      await stack.stop();
    }
  },
};
