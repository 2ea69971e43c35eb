// GET /v1/edge/forwarding, as the edge reads it with its own token: the published ports of running servers with
// an address, each to the VM's guest port; gone when the server stops; a generation that grows with changes.
import type { ForwardingTable, Server } from '@guildserver/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../../src/worker/start-worker.js';
import { client, createBody, type Harness, startApi } from '../support/api-harness.js';

const FAST_STEPS = { taskPollMs: 20, taskMaxPollMs: 100, lockPollMs: 20, networkPollMs: 20, gamePollMs: 20 };

describe('the forwarding table for the edge', () => {
  let api: Harness;
  let worker: RunningWorker;
  let admin: ReturnType<typeof client>;
  let edge: ReturnType<typeof client>;

  beforeAll(async () => {
    api = await startApi({ env: { GAME_PORT_RANGE: '20000-20999' } });
    worker = await startWorker(api.services, { runner: FAST_STEPS });
    admin = client(api.url, api.token(['admin']));
    edge = client(api.url, api.token(['edge'], 'the edge'));
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
  });

  async function untilState(id: string, state: Server['state']): Promise<Server> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { body } = await admin<Server>('GET', `/v1/servers/${id}`);
      if (body.state === state) return body;
      if (body.state === 'failed' || Date.now() > deadline)
        throw new Error(`${id} is ${body.state}, not ${state}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('lists each published port of a running server, to its VM, and drops it when the server stops', async () => {
    const empty = await edge<ForwardingTable>('GET', '/v1/edge/forwarding');
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ portRange: { first: 20_000, last: 20_999 }, entries: [] });

    const created = await admin<{ server: Server }>(
      'POST',
      '/v1/servers',
      createBody('vikings', { game: 'valheim' }),
    );
    expect(created.status).toBe(202);
    // Not forwarded while it is being created: its VM has no address and the game does not answer yet.
    const creating = await edge<ForwardingTable>('GET', '/v1/edge/forwarding');
    expect(creating.body.entries).toEqual([]);

    const running = await untilState(created.body.server.id, 'running');
    const table = await edge<ForwardingTable>('GET', '/v1/edge/forwarding');
    expect(table.body.generation).toBeGreaterThan(empty.body.generation);
    expect(
      table.body.entries.map(({ protocol, publishedPort, guestPort }) => ({
        protocol,
        publishedPort,
        guestPort,
      })),
    ).toEqual(
      running.ports.map(({ protocol, port, guestPort }) => ({ protocol, publishedPort: port, guestPort })),
    );
    for (const entry of table.body.entries) {
      expect(entry).toMatchObject({ serverId: running.id, serverName: 'vikings' });
      expect(entry.vmIpv4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    }

    expect((await admin('POST', `/v1/servers/${running.id}/stop`)).status).toBe(202);
    await untilState(running.id, 'stopped');
    const stopped = await edge<ForwardingTable>('GET', '/v1/edge/forwarding');
    expect(stopped.body.entries).toEqual([]);
    expect(stopped.body.generation).toBeGreaterThan(table.body.generation);
  });

  it('is refused to bot and read tokens, and an edge token reaches no server', async () => {
    for (const scope of ['bot', 'read'] as const) {
      const answer = await client(api.url, api.token([scope]))('GET', '/v1/edge/forwarding');
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ error: { code: 'forbidden' } });
    }
    expect((await edge<{ servers: unknown[] }>('GET', '/v1/servers')).body.servers).toEqual([]);
    expect((await edge('POST', '/v1/servers', createBody('sneaky'))).status).toBe(403);
  });
});
