// `GET /v1/servers` with 1,000 servers stored, over real HTTP from autocannon to the API in its own process.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SIM_TOKEN } from '@guildserver/pve-sim';
import autocannon from 'autocannon';
import { openDatabase } from '../apps/api/src/db/database.js';
import { ports, servers, vmIds } from '../apps/api/src/db/schema.js';
import { createApiToken } from '../apps/api/src/domain/tokens.js';
import { spawnApi } from './api-process';
import type { Benchmark } from './benchmark';
import { percentile, printJsonLine, printTable, round } from './report';
import { spawnSimulator } from './sim-process';

const SERVERS = 1_000;
const CONNECTIONS = 10;
const DURATION_S = 5;

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const randomCursor = () =>
  `srv_${Math.floor(Math.random() * SERVERS * 0.9)
    .toString(36)
    .padStart(12, '0')}`;

/** 1,000 servers spread over 20 guilds, each with its ports and VM id, written straight into SQLite. */
function seed(databasePath: string): string {
  const db = openDatabase(databasePath);
  const at = new Date().toISOString();
  db.transaction((tx) => {
    for (let i = 0; i < SERVERS; i++) {
      const id = `srv_${i.toString(36).padStart(12, '0')}`;
      tx.insert(servers)
        .values({
          id,
          name: `world-${i}`,
          game: 'minecraft-java',
          guildId: `1000000000000000${String(i % 20).padStart(2, '0')}`,
          ownerId: `2000000000000${String(i).padStart(5, '0')}`,
          channelId: '300000000000000000',
          state: 'running',
          cores: 2,
          memoryMiB: 4096,
          diskGiB: 20,
          vmid: 10_000 + i,
          node: 'pve',
          ipv4: `10.20.${Math.floor(i / 250)}.${(i % 250) + 2}`,
          createdAt: at,
          updatedAt: at,
        })
        .run();
      tx.insert(vmIds)
        .values({ vmid: 10_000 + i, serverId: id, reservedAt: at })
        .run();
      tx.insert(ports)
        .values({
          port: 20_000 + i,
          protocol: 'tcp',
          serverId: id,
          purpose: 'game',
          index: 1,
          guestPort: 25565,
        })
        .run();
    }
  });
  const { token } = createApiToken(db, 'bench', ['read']);
  db.$client.close();
  return token;
}

export const apiList: Benchmark = {
  name: 'api-list',
  summary: `GET /v1/servers with ${SERVERS.toLocaleString('en')} servers stored, over real HTTP, ${CONNECTIONS} connections, ${DURATION_S} s`,
  async run() {
    const sim = await spawnSimulator({ profile: 'fast', authFailureDelayMs: 0 });
    const databasePath = join(mkdtempSync(join(tmpdir(), 'gs-bench-api-')), 'guildserver.sqlite');
    const token = seed(databasePath);
    const api = await spawnApi('api', {
      API_PORT: String(await freePort()),
      DATABASE_PATH: databasePath,
      PROXMOX_HOST: sim.url,
      PROXMOX_NODE: 'pve',
      PROXMOX_TOKEN_ID: DEFAULT_SIM_TOKEN.id,
      PROXMOX_TOKEN_SECRET: DEFAULT_SIM_TOKEN.secret,
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'warn',
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    });
    try {
      const rows = [];
      // Repeated queries are answered from the API's cache while no row changes; the uncached row asks
      // for a different page every time (a fresh cursor), so every request runs the queries.
      for (const [label, path, fresh] of [
        ['first page (25)', '/v1/servers', false],
        ['one guild (25 of 50)', '/v1/servers?guildId=100000000000000007', false],
        ['page of 100', '/v1/servers?limit=100', false],
        ['uncached: new cursor each time', '/v1/servers', true],
      ] as const) {
        const url = `${api.url}${path}`;
        const headers = { authorization: `Bearer ${token}` };
        const probe = await fetch(url, { headers });
        if (!probe.ok) throw new Error(`GET ${path} answered ${probe.status}: ${await probe.text()}`);
        await autocannon({ url, headers, connections: CONNECTIONS, duration: 1 });
        const latencies: number[] = [];
        const requests = fresh
          ? [
              {
                setupRequest: (req: { path: string }) => ({
                  ...req,
                  path: `${path}?cursor=${randomCursor()}`,
                }),
              },
            ]
          : undefined;
        const instance = autocannon({
          url,
          headers,
          connections: CONNECTIONS,
          duration: DURATION_S,
          ...(requests ? { requests } : {}),
        });
        instance.on('response', (_c, status, _b, time) => {
          if (status === 200) latencies.push(time);
        });
        const result = await instance;
        rows.push({
          query: label,
          'req/s': round(result['2xx'] / result.duration, 0),
          'p50 ms': round(percentile(latencies, 50), 2),
          'p99 ms': round(percentile(latencies, 99), 2),
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
          'API RSS MiB': round(api.rssMiB(), 0),
        });
      }
      printTable(`GET /v1/servers, ${SERVERS} servers in SQLite (goal: ≥ 5,000 req/s, p99 < 20 ms)`, rows);
      printJsonLine('api-list', {
        servers: SERVERS,
        connections: CONNECTIONS,
        durationS: DURATION_S,
        results: rows,
      });
    } finally {
      await api.stop();
      await sim.stop();
    }
  },
};
