// The edge daemon as it runs on an edge host: its own process (its bundle on node, like `apps/edge/src/main.ts`),
// following a real API over HTTP (a simulated Proxmox, the worker, SQLite, the suite's Redis) and applying real
// nftables inside the netns world's edge (EDGE_NETNS), where a player reaches a VM's real service only through
// the edge. As root with nftables; skipped otherwise.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { EdgeStatus, Server } from '@guildserver/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryArgs } from '../../../test/support/entry.js';
import { type RunningWorker, startWorker } from '../../api/src/worker/start-worker.js';
import { client, createBody, type Harness, startApi } from '../../api/test/support/api-harness.js';
import {
  EDGE_PUBLIC_ADDRESS,
  missingForNetns,
  type NetnsWorld,
  PLAYER_ADDRESS,
  startNetnsWorld,
} from './support/netns-world.js';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..', '..');
const FAST_STEPS = { taskPollMs: 20, taskMaxPollMs: 100, lockPollMs: 20, networkPollMs: 20, gamePollMs: 20 };

const missing = await missingForNetns();
if (missing.length > 0)
  console.warn(`SKIPPING the edge daemon's process tests: they need ${missing.join(', ')}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const found = await check();
      if (found !== undefined) return found;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Daemon {
  child: ChildProcess;
  lines: string[];
  messages(): string[];
  exited: Promise<number | string>;
  stderr(): string;
}

describe.skipIf(missing.length > 0)(
  'the edge daemon, a process against a real API, with real nftables',
  () => {
    let api: Harness;
    let worker: RunningWorker;
    let world: NetnsWorld;
    let admin: ReturnType<typeof client>;
    let edgeToken: string;
    let server: Server;
    let published: number;
    let metricsPort: number;
    const daemons: Daemon[] = [];

    function startDaemon(env: Record<string, string> = {}): Daemon {
      const child = spawn(process.execPath, entryArgs('edge'), {
        cwd: REPO,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          API_URL: api.url,
          EDGE_API_TOKEN: edgeToken,
          EDGE_NAME: 'lab-edge',
          EDGE_NETNS: world.edge,
          EDGE_METRICS_PORT: String(metricsPort),
          EDGE_RESYNC_SECONDS: '5',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: string[] = [];
      let stderr = '';
      createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<number | string>((resolve) =>
        child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)),
      );
      const daemon: Daemon = {
        child,
        lines,
        exited,
        stderr: () => stderr,
        messages: () =>
          lines.flatMap((line) => {
            try {
              return [String((JSON.parse(line) as { msg?: string }).msg)];
            } catch {
              return [line];
            }
          }),
      };
      daemons.push(daemon);
      return daemon;
    }

    async function untilState(id: string, state: Server['state']): Promise<Server> {
      return until(
        `${id} ${state}`,
        async () => {
          const { body } = await admin<Server>('GET', `/v1/servers/${id}`);
          if (body.state === 'failed') throw new Error(`${id} failed: ${JSON.stringify(body.failure)}`);
          return body.state === state ? body : undefined;
        },
        40_000,
      );
    }

    const edgeStatus = async () => (await admin<EdgeStatus>('GET', '/v1/edge/status')).body;
    const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const sample = (text: string, metric: string, labels: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${metric}{${labels}}`));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    const playerReaches = () => world.play(published, 'tcp');

    beforeAll(async () => {
      // The address players are told to join at is the edge's public one, as on a real edge host.
      api = await startApi({ env: { GAME_PORT_RANGE: '20000-20999', HOST_EXTERNAL: EDGE_PUBLIC_ADDRESS } });
      worker = await startWorker(api.services, { runner: FAST_STEPS });
      admin = client(api.url, api.token(['admin']));
      edgeToken = api.token(['edge'], 'the edge');
      const created = await admin<{ server: Server }>('POST', '/v1/servers', createBody('survival'));
      expect(created.status).toBe(202);
      server = await untilState(created.body.server.id, 'running');
      published = server.ports.find((p) => p.protocol === 'tcp' && p.guestPort === 25565)!.port;
      // The VM of the netns world gets the address the simulated Proxmox gave the server, on a /16 whose gateway
      // is the edge.
      const [a, b] = server.ipv4!.split('.');
      world = await startNetnsWorld({
        vmAddress: server.ipv4!,
        prefix: 16,
        edgeVmSideAddress: `${a}.${b}.255.254`,
      });
      metricsPort = await freePort();
    }, 120_000);

    afterAll(async () => {
      for (const daemon of daemons) daemon.child.kill('SIGKILL');
      await world?.close();
      await worker?.close();
      await api?.close();
    });

    it('stops at once, in one sentence, with a token that is not an edge token', async () => {
      const daemon = startDaemon({
        EDGE_API_TOKEN: api.token(['bot']),
        EDGE_MODE: 'dry',
        EDGE_METRICS_PORT: '0',
      });
      expect(await daemon.exited).toBe(1);
      expect(daemon.stderr()).toBe(
        `guildserver-edge: EDGE_API_TOKEN is not an edge token (the API at ${api.url} answered 403: Only a token with the edge or admin scope may read the edge’s tables); make one with \`gs token create --name edge --scope edge\` and set EDGE_API_TOKEN to it.\n`,
      );
    });

    it('once the daemon runs, the player reaches the game through the edge, and the API knows it', async () => {
      expect(await playerReaches()).toBe('error ECONNREFUSED');
      const daemon = startDaemon();
      expect(
        await until('the player to reach the game', async () => {
          const answer = await playerReaches();
          return answer.startsWith('hello') ? answer : undefined;
        }),
      ).toBe(`hello ${PLAYER_ADDRESS}`); // the edge is the VMs' gateway: no source NAT, the game sees the player
      const status = await until('the edge report', async () => {
        const s = await edgeStatus();
        return s.edges[0]?.lag === 0 ? s : undefined;
      });
      expect(status.edges).toEqual([
        expect.objectContaining({
          name: 'lab-edge',
          mode: 'nft',
          snat: 'auto',
          appliedGeneration: status.generation,
          forwarded: server.ports.length,
          refused: [],
          problem: null,
          stale: false,
        }),
      ]);
      expect(daemon.messages()).toContain(
        `Source NAT for ${server.ipv4}: no, because ${server.ipv4} hangs off the edge on ${world.edge.split('-')[0]}ve of its own: the edge is its gateway, and the game sees the player's address.`,
      );
      const { body } = await admin<Server>('GET', `/v1/servers/${server.id}`);
      expect(body.publication).toBe('published');
    }, 60_000);

    it('counts what the player sends to the published port, and exports it on /metrics', async () => {
      const labels = `server_id="${server.id}",server_name="survival",protocol="tcp",port="${published}"`;
      const before = await scrape();
      const packets = sample(before, 'guildserver_edge_received_packets_total', labels) ?? 0;
      const bytes = sample(before, 'guildserver_edge_received_bytes_total', labels) ?? 0;
      for (let i = 0; i < 3; i++) expect(await playerReaches()).toBe(`hello ${PLAYER_ADDRESS}`);
      const after = await scrape();
      expect(sample(after, 'guildserver_edge_received_packets_total', labels)).toBeGreaterThanOrEqual(
        packets + 3 * 4,
      );
      expect(sample(after, 'guildserver_edge_received_bytes_total', labels)).toBeGreaterThan(
        bytes + 3 * 4 * 40,
      );
      const generation = (await edgeStatus()).generation;
      expect(after).toContain(`guildserver_edge_applied_generation ${generation}`);
      expect(after).toContain(`guildserver_edge_forwarded_ports ${server.ports.length}`);
      expect(after).toContain('guildserver_edge_healthy 1');
      expect(after).toMatch(/guildserver_edge_apply_duration_seconds_count [1-9]/);
    });

    it('kill -9 leaves forwarding as it was; a restarted daemon converges to the API’s new table', async () => {
      const first = daemons.at(-1)!;
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      expect(await playerReaches()).toBe(`hello ${PLAYER_ADDRESS}`);

      // The server stops while no daemon runs: the table in force stays as it was until one runs again.
      expect((await admin('POST', `/v1/servers/${server.id}/stop`)).status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await playerReaches()).toBe(`hello ${PLAYER_ADDRESS}`);

      // Re-reading only every 60 s: what follows is the generation stream at work.
      const second = startDaemon({ EDGE_RESYNC_SECONDS: '60' });
      await untilState(server.id, 'stopped');
      expect(
        await until('the port to close', async () => {
          const answer = await playerReaches();
          return answer.startsWith('hello') ? undefined : answer;
        }),
      ).toBe('error ECONNREFUSED');
      expect((await admin('POST', `/v1/servers/${server.id}/start`)).status).toBe(202);
      const started = performance.now();
      await untilState(server.id, 'running');
      expect(
        await until('the player to reach the game again', async () => {
          const answer = await playerReaches();
          return answer.startsWith('hello') ? answer : undefined;
        }),
      ).toBe(`hello ${PLAYER_ADDRESS}`);
      expect(performance.now() - started).toBeLessThan(30_000);
      const status = await until('the edge to catch up', async () => {
        const s = await edgeStatus();
        return s.edges[0]?.lag === 0 ? s : undefined;
      });
      expect(status.edges[0]).toMatchObject({
        name: 'lab-edge',
        problem: null,
        forwarded: server.ports.length,
      });
      expect(second.child.exitCode).toBeNull();
    }, 120_000);

    it('SIGTERM stops the daemon and leaves the table; `gs edge down` removes it and the player no longer reaches', async () => {
      const daemon = daemons.at(-1)!;
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toBe(0);
      expect(daemon.messages()).toContain('Stopping; the table in force stays, so forwarding goes on.');
      expect(await playerReaches()).toBe(`hello ${PLAYER_ADDRESS}`);

      const gs = (args: string[]) =>
        run(process.execPath, [...entryArgs('gs'), ...args], {
          cwd: REPO,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' },
        });
      const removed = await gs(['edge', 'down', '--netns', world.edge]);
      expect(removed.stdout).toBe(
        'Removed the table inet guildserver: this host forwards no game port any more (a running `gs edge up` applies it again).\n',
      );
      expect(await playerReaches()).toBe('error ECONNREFUSED');
      const again = await gs(['edge', 'down', '--netns', world.edge]);
      expect(again.stdout).toBe('There is no table inet guildserver here; nothing to remove.\n');
    }, 60_000);
  },
);
