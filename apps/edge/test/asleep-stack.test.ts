// Asleep and woken by a join, on the local stack's shape: the API and a worker (simulated Proxmox, SQLite, the
// suite's Redis), the edge daemon in its own process in dry mode holding sleeping servers' ports on 127.0.0.1
// (EDGE_ASLEEP_ADDRESS, as `gs up` runs it). A player's server-list tool (gamedig) reads the asleep status at the
// address the API shows, and a real Minecraft login there wakes the server.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Server } from '@guildserver/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryArgs } from '../../../test/support/entry.js';
import { type RunningWorker, startWorker } from '../../api/src/worker/start-worker.js';
import { client, createBody, type Harness, startApi } from '../../api/test/support/api-harness.js';
import { canBind, minecraftLogin } from './asleep/support/clients.js';
import { gamedig } from './asleep/support/gamedig.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const FAST_STEPS = { taskPollMs: 20, taskMaxPollMs: 100, lockPollMs: 20, networkPollMs: 20, gamePollMs: 20 };

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a sleeping server on the local stack', () => {
  let api: Harness;
  let worker: RunningWorker;
  let edge: ChildProcess;
  let edgeLog = '';
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    api = await startApi({
      env: {
        EDGE: 'required',
        HOST_EXTERNAL: '127.0.0.1',
        MONITOR_INTERVAL: '1s',
        IDLE_SLEEP_AFTER: '2s',
        IDLE_MIN_AWAKE: '1s',
      },
    });
    worker = await startWorker(api.services, { runner: FAST_STEPS, sweepIntervalMs: 200 });
    admin = client(api.url, api.token(['admin']));
    edge = spawn(process.execPath, entryArgs('edge'), {
      cwd: REPO,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        API_URL: api.url,
        EDGE_API_TOKEN: api.token(['edge'], 'edge'),
        EDGE_NAME: 'local-dry',
        EDGE_MODE: 'dry',
        EDGE_ASLEEP_ADDRESS: '127.0.0.1',
        EDGE_METRICS_PORT: '0',
        EDGE_RESYNC_SECONDS: '5',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      edgeLog = (edgeLog + chunk.toString()).slice(-20_000);
    };
    edge.stdout!.on('data', keep);
    edge.stderr!.on('data', keep);
  }, 60_000);

  afterAll(async () => {
    if (edge && edge.exitCode === null) {
      const exited = new Promise((resolve) => edge.once('exit', resolve));
      edge.kill('SIGTERM');
      await exited;
    }
    await worker?.close();
    await api?.close();
  });

  it('answers a server list as asleep, and a login wakes it at the same address', async () => {
    const created = await admin<{ server: Server; jobId: string }>(
      'POST',
      '/v1/servers',
      createBody('survival'),
    );
    const { id } = created.body.server;
    const view = async () => (await admin<Server>('GET', `/v1/servers/${id}`)).body;
    const asleep = await until('asleep', async () => {
      const v = await view();
      return v.state === 'sleeping' ? v : undefined;
    });
    // The address the API shows, as a gamer has it.
    expect(asleep.publication).toBe('asleep');
    const [host, port] = asleep.address!.split(':');
    expect(host).toBe('127.0.0.1');
    const published = Number(port);

    const status = await until('the edge answering for it', () =>
      gamedig('minecraft', published).catch(() => undefined),
    );
    expect(status.name).toBe('survival is asleep — join to wake it');
    expect(status.numplayers).toBe(0);
    expect(status.maxplayers).toBe(20);
    // Asking again and again does not wake it.
    await gamedig('minecraft', published);
    expect((await view()).state).toBe('sleeping');

    const told = await minecraftLogin(published);
    expect(told).toContain('survival is waking up — join again in a minute');
    const awake = await until('awake', async () => {
      const v = await view();
      return v.state === 'running' ? v : undefined;
    });
    expect(awake.address).toBe(asleep.address);
    // The edge let go of the port (a dry edge forwards nothing: the port is free on this machine again).
    await until('the port released', async () => ((await canBind('tcp', published)) ? true : undefined));
    const events = (
      await admin<{ events: { type: string; data: Record<string, unknown> }[] }>(
        'GET',
        `/v1/events?serverId=${id}&limit=1000`,
      )
    ).body.events;
    const wakes = events.filter((e) => e.type === 'job.queued' && e.data.kind === 'wake');
    expect(wakes.map((e) => e.data.trigger)).toEqual(['join']);
    expect(edgeLog).toContain('Someone is joining survival from 127.0.0.1: waking it.');
  }, 90_000);
});
