// GET /v1/edge/forwarding, as the edge reads it with its own token: the published ports of running servers with
// an address, each to the VM's guest port; gone when the server stops; a generation that grows with changes.
import { createSseParser } from '@guildserver/api-client';
import type { EdgeStatus, ForwardingTable, Server } from '@guildserver/contracts';
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

describe('the edge reports what it applied', () => {
  let api: Harness;
  beforeAll(async () => {
    api = await startApi({});
  });
  afterAll(() => api.close());

  const report = (appliedGeneration: number | null, problem: string | null = null) => ({
    name: 'pve1',
    mode: 'nft' as const,
    snat: 'auto' as const,
    appliedGeneration,
    forwarded: 2,
    refused: [],
    problem,
  });

  type Readyz = { status: string; edge: Record<string, unknown> & { problem: string | null } };
  const readyz = async () => (await fetch(`${api.url}/readyz`)).json() as Promise<Readyz>;

  it('keeps each edge’s last report, its lag behind the API and its problem; /readyz shows it', async () => {
    const edge = client(api.url, api.token(['edge'], 'the edge'));
    const admin = client(api.url, api.token(['admin']));
    const before = await readyz();
    expect(before.edge).toMatchObject({ mode: 'auto', applied: null });
    expect(before.edge.problem).toMatch(/No edge has reported yet.*gs edge up/);

    await admin('POST', '/v1/servers', createBody('lagging'));
    const { body: status } = await edge<EdgeStatus>('PUT', '/v1/edge/status', report(0));
    expect(status.generation).toBeGreaterThan(0);
    expect(status.edges).toEqual([
      expect.objectContaining({ name: 'pve1', appliedGeneration: 0, lag: status.generation, stale: false }),
    ]);
    const ready = await readyz();
    expect(ready.edge).toEqual({
      mode: 'auto',
      generation: status.generation,
      applied: 0,
      lag: status.generation,
      problem: null,
    });

    await edge('PUT', '/v1/edge/status', report(status.generation, 'nft refused the table: bad map'));
    const failing = await readyz();
    expect(failing.status).toBe('ready'); // the API still serves; the edge is shown, not gated on
    expect(failing.edge).toMatchObject({
      lag: 0,
      problem: 'The edge pve1 reports: nft refused the table: bad map',
    });
    expect((await admin<EdgeStatus>('GET', '/v1/edge/status')).body.edges[0]?.problem).toMatch(/bad map/);
  });

  it('refuses a report that is not an edge’s or not well formed, naming the field', async () => {
    const admin = client(api.url, api.token(['admin']));
    const refused = await admin('PUT', '/v1/edge/status', report(1));
    expect(refused.status).toBe(403);
    const edge = client(api.url, api.token(['edge']));
    const bad = await edge<{ error: { code: string; message: string } }>('PUT', '/v1/edge/status', {
      ...report(1),
      name: 'no spaces please',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/name/);
  });

  it('streams the generation at once and again after each change', async () => {
    const token = api.token(['edge']);
    const admin = client(api.url, api.token(['admin']));
    const stop = new AbortController();
    const response = await fetch(`${api.url}/v1/edge/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: stop.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const generations: number[] = [];
    const parser = createSseParser((message) => {
      if (message.event === 'generation') generations.push(JSON.parse(message.data).generation);
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const next = async () => {
      const before = generations.length;
      while (generations.length === before) {
        const { value } = await reader.read();
        parser.push(decoder.decode(value, { stream: true }));
      }
      return generations.at(-1)!;
    };
    const first = await next();
    await admin('POST', '/v1/servers', createBody('streamed'));
    expect(await next()).toBeGreaterThan(first);
    stop.abort();
  });
});
