import type { Server } from '@guildserver/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ports, servers, vmIds } from '../../src/db/schema.js';
import { type RunningWorker, startWorker } from '../../src/worker/start-worker.js';
import { client, createBody, GUILD, type Harness, startApi } from '../support/api-harness.js';

const FAST_STEPS = { taskPollMs: 20, taskMaxPollMs: 100, lockPollMs: 20, networkPollMs: 20, gamePollMs: 20 };
const user = (i: number) => `7${String(i).padStart(17, '0')}`;

async function until<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('100 concurrent creates over HTTP', () => {
  let api: Harness;
  let worker: RunningWorker;
  beforeAll(async () => {
    api = await startApi({
      env: { QUOTA_GUILD_SERVERS: '1000', QUOTA_GUILD_CORES: '100000', QUOTA_GUILD_MEMORY: '100000000' },
    });
    worker = await startWorker(api.services, { runner: FAST_STEPS });
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
  });

  it('gives no VM id or port twice and brings every server to running', async () => {
    const bot = api.token(['bot']);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        client(api.url, bot, { user: user(i) })<{ server: Server }>(
          'POST',
          '/v1/servers',
          createBody(`world-${i}`, { ownerId: user(i), game: i % 2 ? 'valheim' : 'minecraft-java' }),
        ),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(202));

    const rows = await until(() => {
      const all = api.services.db.select().from(servers).all();
      return all.length === 100 && all.every((s) => s.state === 'running' || s.state === 'failed')
        ? all
        : undefined;
    }, 120_000);
    expect(rows.filter((s) => s.state !== 'running').map((s) => `${s.name}: ${s.failureMessage}`)).toEqual(
      [],
    );
    expect(new Set(rows.map((s) => s.vmid)).size).toBe(100);

    const portRows = api.services.db.select().from(ports).all();
    // Valheim takes 2 UDP ports, Minecraft 1 TCP: 50 × 2 + 50 × 1.
    expect(portRows).toHaveLength(150);
    expect(new Set(portRows.map((p) => `${p.port}/${p.protocol}`)).size).toBe(150);
    expect(api.services.db.select().from(vmIds).all()).toHaveLength(100);

    const vms = api.sim.state.vms.filter((vm) => vm.vmid !== 9000);
    expect(vms).toHaveLength(100);
    expect(vms.every((vm) => vm.status === 'running' && vm.config.tags?.includes('guildserver'))).toBe(true);
    const listed = await client(api.url, api.token(['read']))<{ servers: Server[] }>(
      'GET',
      `/v1/servers?guildId=${GUILD}&limit=100`,
    );
    expect(listed.body.servers.every((s) => s.address?.startsWith('play.example.net:'))).toBe(true);
  });
});

describe('quotas under concurrency', () => {
  it('lets exactly as many creates through as the guild quota allows', async () => {
    const api = await startApi({ env: { QUOTA_GUILD_SERVERS: '10' } });
    try {
      const bot = api.token(['bot']);
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          client(api.url, bot, { user: user(i) })(
            'POST',
            '/v1/servers',
            createBody(`race-${i}`, { ownerId: user(i) }),
          ),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 202)).toHaveLength(10);
      expect(statuses.filter((s) => s === 403)).toHaveLength(20);
      expect(api.services.db.select().from(servers).all()).toHaveLength(10);
    } finally {
      await api.close();
    }
  });
});
