// "Running" means reachable: a create (start, restart) ends only once the edge reports it applied the
// server's ports; stop and delete take them out of the table first. The test is the edge here, over HTTP with
// an edge token, so it decides when (and whether) each generation is applied.
import type { EdgeReport, EdgeStatus, ForwardingTable, Job, Server } from '@guildserver/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../../src/worker/start-worker.js';
import { client, createBody, type Harness, startApi } from '../support/api-harness.js';

const FAST_STEPS = {
  taskPollMs: 20,
  taskMaxPollMs: 100,
  lockPollMs: 20,
  networkPollMs: 20,
  gamePollMs: 20,
  edgePollMs: 20,
};

interface Stack {
  api: Harness;
  worker: RunningWorker;
  admin: ReturnType<typeof client>;
  edge: ReturnType<typeof client>;
}
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.worker.close();
  await stack?.api.close();
  stack = undefined;
});

async function start(env: Record<string, string>): Promise<Stack> {
  const api = await startApi({ env });
  const worker = await startWorker(api.services, { runner: FAST_STEPS });
  stack = {
    api,
    worker,
    admin: client(api.url, api.token(['admin'])),
    edge: client(api.url, api.token(['edge'], 'the edge')),
  };
  return stack;
}

const report = (appliedGeneration: number | null, forwarded = 0): EdgeReport => ({
  name: 'pve1',
  mode: 'nft',
  snat: 'auto',
  appliedGeneration,
  forwarded,
  refused: [],
  problem: null,
});

/** What the edge does: read the table, "apply" it, report the generation. */
async function edgeApplies(s: Stack): Promise<ForwardingTable> {
  const { body: table } = await s.edge<ForwardingTable>('GET', '/v1/edge/forwarding');
  await s.edge<EdgeStatus>('PUT', '/v1/edge/status', report(table.generation, table.entries.length));
  return table;
}

async function job(s: Stack, id: string): Promise<Job> {
  return (await s.admin<Job>('GET', `/v1/jobs/${id}`)).body;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const stepState = (j: Job, name: string) => j.steps.find((step) => step.name === name)?.state;

describe('publishing the ports is a step of create, start and restart', () => {
  it('a create is running only after the edge applied its ports; a stop closes them first', async () => {
    const s = await start({ EDGE: 'required', EDGE_PUBLISH_TIMEOUT_SECONDS: '30' });
    await edgeApplies(s);
    const created = await s.admin<{ server: Server; jobId: string }>(
      'POST',
      '/v1/servers',
      createBody('survival'),
    );
    // The worker reaches publish_ports and waits there: the game answers, but the edge has not applied it.
    await until('publish_ports to run', async () =>
      stepState(await job(s, created.body.jobId), 'publish_ports') === 'running' ? true : undefined,
    );
    const waiting = (await s.admin<Server>('GET', `/v1/servers/${created.body.server.id}`)).body;
    expect(waiting.state).toBe('creating');

    const table = await edgeApplies(s);
    expect(table.entries.map((e) => e.serverName)).toContain('survival');
    const done = await until('the create to end', async () => {
      const j = await job(s, created.body.jobId);
      return j.state === 'succeeded' || j.state === 'failed' ? j : undefined;
    });
    expect(done.state).toBe('succeeded');
    expect(done.steps.find((step) => step.name === 'publish_ports')?.detail).toMatch(
      /^The edge pve1 forwards tcp\/\d+/,
    );
    const running = (await s.admin<Server>('GET', `/v1/servers/${created.body.server.id}`)).body;
    expect(running).toMatchObject({ state: 'running', publication: 'published' });
    // The listing (its own prepared query) shows the server exactly as its own route does.
    const listed = (await s.admin<{ servers: Server[] }>('GET', '/v1/servers')).body.servers;
    expect(listed.find((server) => server.id === running.id)).toEqual(running);

    // Stop: the ports leave the table before the VM stops; the edge that applies it closes them.
    const stop = await s.admin<{ jobId: string }>('POST', `/v1/servers/${running.id}/stop`);
    await until('unpublish_ports to run', async () =>
      stepState(await job(s, stop.body.jobId), 'unpublish_ports') === 'running' ? true : undefined,
    );
    expect((await edgeApplies(s)).entries).toEqual([]);
    const stopped = await until('the stop to end', async () => {
      const j = await job(s, stop.body.jobId);
      return j.state === 'succeeded' ? j : undefined;
    });
    expect(stopped.steps.map((step) => step.name)).toEqual(['check_vm', 'unpublish_ports', 'shutdown_vm']);
    expect((await s.admin<Server>('GET', `/v1/servers/${running.id}`)).body.publication).toBe('closed');
  });

  it('fails with one sentence naming the edge when it does not apply the ports in time', async () => {
    const s = await start({ EDGE: 'required', EDGE_PUBLISH_TIMEOUT_SECONDS: '5' });
    await edgeApplies(s); // reports once, then never applies again
    const created = await s.admin<{ server: Server; jobId: string }>(
      'POST',
      '/v1/servers',
      createBody('stuck'),
    );
    const failed = await until('the create to fail', async () => {
      const j = await job(s, created.body.jobId);
      return j.state === 'failed' ? j : undefined;
    });
    expect(failed.error).toMatchObject({
      code: 'edge_unpublished',
      step: 'publish_ports',
      message: 'The edge at pve1 has not published the ports of stuck for 5 s; is `gs edge up` running?',
    });
  });

  it('with EDGE=none the server runs at once, its address is not called reachable, and gs edge rules still lists it', async () => {
    const s = await start({ EDGE: 'none' });
    const created = await s.admin<{ server: Server; jobId: string }>(
      'POST',
      '/v1/servers',
      createBody('byhand'),
    );
    const done = await until('the create to end', async () => {
      const j = await job(s, created.body.jobId);
      return j.state === 'succeeded' ? j : undefined;
    });
    expect(done.steps.find((step) => step.name === 'publish_ports')?.detail).toMatch(
      /^EDGE=none: GuildServer does not forward tcp\/\d+; forward them to the VM by hand/,
    );
    const server = (await s.admin<Server>('GET', `/v1/servers/${created.body.server.id}`)).body;
    expect(server.publication).toBe('manual');
    const table = (await s.edge<ForwardingTable>('GET', '/v1/edge/forwarding')).body;
    expect(table.entries.map((e) => e.serverName)).toEqual(['byhand']);
  });

  it('a delete never leaves the ports forwarding: the table holds nothing for the server', async () => {
    const s = await start({ EDGE: 'auto' });
    const created = await s.admin<{ server: Server; jobId: string }>(
      'POST',
      '/v1/servers',
      createBody('short'),
    );
    // EDGE=auto and no edge yet: the create does not wait, and says so.
    const made = await until('the create to end', async () => {
      const j = await job(s, created.body.jobId);
      return j.state === 'succeeded' ? j : undefined;
    });
    expect(made.steps.find((step) => step.name === 'publish_ports')?.detail).toMatch(
      /No edge has reported yet/,
    );
    await edgeApplies(s);
    expect((await s.admin<Server>('GET', `/v1/servers/${created.body.server.id}`)).body.publication).toBe(
      'published',
    );
    const removal = await s.admin<{ jobId: string }>('DELETE', `/v1/servers/${created.body.server.id}`);
    await until('unpublish_ports to run', async () =>
      stepState(await job(s, removal.body.jobId), 'unpublish_ports') === 'running' ? true : undefined,
    );
    expect((await edgeApplies(s)).entries).toEqual([]);
    const deleted = await until('the delete to end', async () => {
      const j = await job(s, removal.body.jobId);
      return j.state === 'succeeded' ? j : undefined;
    });
    expect(deleted.steps.find((step) => step.name === 'unpublish_ports')?.detail).toMatch(
      /^The edge pve1 no longer forwards tcp\/\d+/,
    );
  });
});
