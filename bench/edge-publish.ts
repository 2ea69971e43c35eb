// Publish latency: from the game answering at its VM (the end of a start's wait_game step) to the address players
// are given answering from the player namespace. The simulator (fast profile), the API with its worker and the
// edge daemon, each a process; the edge applies its table in the edge namespace of a netns world whose VM
// namespace holds the server's address and a real TCP service; a prober in the player namespace connects to the
// published port every 2 ms and notes its first answer. Each sample is a stop and a start of the same server.
// Needs root, ip and nft.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job, Server } from '@guildserver/contracts';
import { pollUntil } from '@guildserver/timing';
import { openDatabase } from '../apps/api/src/db/database.js';
import { createApiToken } from '../apps/api/src/domain/tokens.js';
import { ensureRedis } from '../apps/api/src/runtime/redis.js';
import {
  EDGE_PUBLIC_ADDRESS,
  missingForNetns,
  type NetnsWorld,
  startNetnsWorld,
} from '../apps/edge/test/support/netns-world';
import { freePort } from './api-list';
import { type ApiProcess, spawnApi, unlimitedStackEnv } from './api-process';
import type { Benchmark } from './benchmark';
import { median, percentile, printJsonLine, printTable, round } from './report';
import { spawnSimulator } from './sim-process';

const SAMPLES = 15;
const EDGE_MAIN = join(import.meta.dirname, '..', 'apps', 'edge', 'src', 'main.ts');
const PLACE = {
  guildId: '100000000000000001',
  ownerId: '200000000000000001',
  channelId: '300000000000000001',
};

/** Connects to host:port every 2 ms until the service answers; prints the wall-clock ms of that answer. */
const PROBER = `
const [host, port] = process.argv.slice(1);
const net = require('node:net');
const give = setTimeout(() => { console.log('timeout'); process.exit(1); }, 60000);
(function attempt() {
  const s = net.connect(Number(port), host, () => s.write('hi'));
  s.once('data', () => { console.log(String(Date.now())); clearTimeout(give); process.exit(0); });
  s.once('error', () => { s.destroy(); setTimeout(attempt, 2); });
})();`;

function startProber(world: NetnsWorld, port: number): { child: ChildProcess; answeredAt: Promise<number> } {
  const child = spawn(
    'ip',
    ['netns', 'exec', world.player, process.execPath, '-e', PROBER, EDGE_PUBLIC_ADDRESS, String(port)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const answeredAt = new Promise<number>((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(Number(out.trim())) : reject(new Error(`the prober: ${out}`)),
    ),
  );
  return { child, answeredAt };
}

export const edgePublish: Benchmark = {
  name: 'edge-publish',
  summary:
    'publish latency: the game answering at its VM → its address answering a player through the edge (root, nft)',
  async run() {
    const missing = await missingForNetns();
    if (missing.length > 0) {
      console.log(`  skipped: needs ${missing.join(', ')}`);
      return;
    }
    const sim = await spawnSimulator({ profile: 'fast', authFailureDelayMs: 0, storageLockSlots: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'gs-bench-publish-'));
    const redis = await ensureRedis(process.env.REDIS_URL, join(dir, 'redis'));
    let api: ApiProcess | undefined;
    let world: NetnsWorld | undefined;
    let edge: ChildProcess | undefined;
    try {
      const env = {
        ...unlimitedStackEnv(sim.url, 2),
        API_PORT: String(await freePort()),
        DATABASE_PATH: join(dir, 'guildserver.sqlite'),
        REDIS_URL: redis.url,
        GAME_PORT_RANGE: '20000-20999',
        HOST_EXTERNAL: EDGE_PUBLIC_ADDRESS,
        EDGE: 'required',
      };
      const db = openDatabase(env.DATABASE_PATH);
      const adminToken = createApiToken(db, 'bench', ['admin']).token;
      const edgeToken = createApiToken(db, 'bench edge', ['edge']).token;
      db.$client.close();
      api = await spawnApi('all', env);
      const apiUrl = api.url;
      const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
        const response = await fetch(`${apiUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
        return (await response.json()) as T;
      };
      const untilState = (id: string, state: Server['state']) =>
        pollUntil(
          async () => {
            const server = await call<Server>('GET', `/v1/servers/${id}`);
            if (server.state === 'failed') throw new Error(`${id} failed: ${JSON.stringify(server.failure)}`);
            return server.state === state ? server : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 20, onTimeout: () => new Error(`${id} did not become ${state}`) },
        );
      // The create's publish step waits for an edge (EDGE=required): the edge starts once the VM's address is
      // known, so the netns world's VM namespace can take that address.
      const created = await call<{ server: Server }>('POST', '/v1/servers', {
        game: 'minecraft-java',
        name: 'publish',
        ...PLACE,
      });
      const id = created.server.id;
      const ipv4 = await pollUntil(
        async () => (await call<Server>('GET', `/v1/servers/${id}`)).ipv4 ?? undefined,
        {
          timeoutMs: 60_000,
          intervalMs: 20,
          onTimeout: () => new Error('the VM got no address'),
        },
      );
      const [a, b] = ipv4.split('.');
      world = await startNetnsWorld({ vmAddress: ipv4, prefix: 16, edgeVmSideAddress: `${a}.${b}.255.254` });
      edge = spawn(process.execPath, ['--import', 'tsx', EDGE_MAIN], {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          API_URL: apiUrl,
          EDGE_API_TOKEN: edgeToken,
          EDGE_NAME: 'bench-edge',
          EDGE_NETNS: world.edge,
          EDGE_METRICS_PORT: '0',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const server = await untilState(id, 'running');
      const port = server.ports.find((p) => p.protocol === 'tcp' && p.guestPort === 25565)!.port;

      const toPlayer: number[] = [];
      const jobWait: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        await call('POST', `/v1/servers/${id}/stop`);
        await untilState(id, 'stopped');
        const prober = startProber(world, port);
        const started = await call<{ jobId: string }>('POST', `/v1/servers/${id}/start`);
        await untilState(id, 'running');
        const answeredAt = await prober.answeredAt;
        const job = await call<Job>('GET', `/v1/jobs/${started.jobId}`);
        const at = (step: string) => Date.parse(job.steps.find((s) => s.name === step)!.finishedAt!);
        toPlayer.push(answeredAt - at('wait_game'));
        jobWait.push(at('publish_ports') - at('wait_game'));
      }
      const row = (what: string, samples: number[]) => ({
        what,
        samples: samples.length,
        'p50 ms': Math.round(median(samples)),
        'p95 ms': Math.round(percentile(samples, 95)),
        'max ms': Math.round(Math.max(...samples)),
      });
      printTable('Publish latency (stop + start of one server; the edge follows the API’s stream)', [
        row('game answers at the VM → a player reaches it through the edge', toPlayer),
        row('game answers at the VM → the start job sees the edge applied it', jobWait),
      ]);
      printJsonLine('edge-publish', {
        samples: SAMPLES,
        toPlayerP50Ms: round(median(toPlayer), 0),
        toPlayerP95Ms: round(percentile(toPlayer, 95), 0),
        jobWaitP50Ms: round(median(jobWait), 0),
      });
    } finally {
      edge?.kill('SIGKILL');
      await world?.close();
      await api?.stop();
      await sim.stop();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
