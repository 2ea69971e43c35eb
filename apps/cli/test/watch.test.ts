// `gs watch` against a scripted API: the event stream drops mid-job and must be resumed with Last-Event-ID;
// the job's steps come from GET /v1/jobs/:id. Independent of the real API's worker and timings.
import { execFile } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  eventSchema,
  type Server as GameServer,
  type GuildEvent,
  type GuildEventOf,
  type Job,
} from '@guildserver/contracts';
import { describe, expect, it } from 'vitest';
import { entryArgs } from '../../../test/support/entry.js';
import { useLocalHttp } from '../../../test/support/local-http.js';
import { progressNote } from '../src/progress/job-watch.js';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..', '..');
const TOKEN = 'gs_test-token-1234567890';
const JOB = 'job_aaaaaaaaaaaa';
const SERVER = 'srv_bbbbbbbbbbbb';
const STEPS = [
  ['clone', 'Cloning the template'],
  ['configure', 'Configuring the VM'],
  ['start_vm', 'Starting the VM'],
] as const;

async function gs(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...entryArgs('gs'), ...args], {
      cwd: REPO,
      timeout: 30_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * A job that advances one step per event: `done` steps have succeeded, the next runs. The first stream
 * connection sends two events and is cut; later ones continue after the Last-Event-ID they send.
 */
function scriptedApi(outcome: 'succeeds' | 'fails') {
  let done = 0;
  const streamRequests: { lastEventId?: string; after?: string }[] = [];
  const now = new Date().toISOString();
  const job = (): Job => {
    const failed = outcome === 'fails' && done >= 2;
    const finished = done >= STEPS.length || failed;
    return {
      id: JOB,
      serverId: SERVER,
      kind: 'create',
      state: finished ? (failed ? 'failed' : 'succeeded') : 'running',
      steps: STEPS.map(([name, title], i) => ({
        name,
        title,
        state: i < done ? 'succeeded' : i === done ? (failed ? 'failed' : 'running') : 'pending',
        startedAt: i <= done ? now : null,
        finishedAt: i < done || (failed && i === done) ? now : null,
        durationMs: i < done ? 1200 : null,
        detail: null,
        error: failed && i === done ? 'Proxmox said: no such bridge vmbr9' : null,
      })),
      error: failed
        ? { code: 'proxmox_error', message: 'Proxmox said: no such bridge vmbr9', step: 'start_vm' }
        : null,
      log: null,
      route: 'install',
      expectedSeconds: null,
      createdAt: now,
      startedAt: now,
      finishedAt: finished ? new Date(Date.parse(now) + 3400).toISOString() : null,
    };
  };
  const server = (): GameServer => ({
    id: SERVER,
    name: 'survival',
    game: 'minecraft-java',
    guildId: '100000000000000001',
    ownerId: '200000000000000002',
    channelId: '300000000000000003',
    state: job().state === 'succeeded' ? 'running' : job().state === 'failed' ? 'failed' : 'creating',
    size: { cores: 2, memory: 4096, disk: 20 },
    vmid: 10000,
    node: 'pve',
    ipv4: '10.0.0.5',
    address: job().state === 'succeeded' ? 'localhost:20000' : null,
    publication: job().state === 'succeeded' ? 'published' : 'closed',
    ports: [{ purpose: 'game', protocol: 'tcp', port: 20000, guestPort: 25565 }],
    players: null,
    activity: { checkedAt: null, peakToday: null, lastPlayerAt: null, idleSince: null, idle: false },
    sleep: { afterMs: 1_800_000, setBy: 'default', capped: false, wakeSeconds: null },
    failure: null,
    currentJobId: JOB,
    createdAt: now,
    updatedAt: now,
  });
  let nextEventId = 1;
  /** A step's end, shaped as the API wrote it before event data was typed (no server name, no title). */
  const stepSucceeded = (position: number): GuildEvent => ({
    id: nextEventId++,
    type: 'step.succeeded',
    serverId: SERVER,
    jobId: JOB,
    guildId: null,
    ownerId: null,
    channelId: null,
    message: `${STEPS[position]![1]}: done.`,
    data: { step: STEPS[position]![0], position, detail: 'done.' },
    createdAt: new Date().toISOString(),
  });
  const send = (res: ServerResponse, e: GuildEvent) =>
    res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { code: 'unauthorized', message: 'That API token is unknown or revoked.' } }),
      );
      return;
    }
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === `/v1/jobs/${JOB}`) return json(job());
    if (url.pathname === `/v1/servers/${SERVER}`) return json(server());
    if (url.pathname === '/v1/events/stream') {
      streamRequests.push({
        lastEventId: req.headers['last-event-id'] as string | undefined,
        after: url.searchParams.get('after') ?? undefined,
      });
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write('retry: 100\n: hello\n\n');
      const first = streamRequests.length === 1;
      let sent = 0;
      const tick = setInterval(() => {
        if (res.destroyed) return clearInterval(tick);
        if (first && sent === 2) {
          clearInterval(tick);
          res.socket?.destroy(); // the connection drops mid-job
          return;
        }
        if (done >= STEPS.length || (outcome === 'fails' && done >= 2)) return clearInterval(tick);
        done++;
        sent++;
        send(res, stepSucceeded(done - 1));
      }, 150);
      req.on('close', () => clearInterval(tick));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'not_found', message: `There is no route ${url.pathname}.` } }));
  };
  return { handler, streamRequests, advance: () => done++ };
}

const { listen } = useLocalHttp();

describe('gs watch', () => {
  it('shows every step, resumes the dropped stream with Last-Event-ID, and ends with the address', async () => {
    const api = scriptedApi('succeeds');
    const url = await listen(api.handler);
    const { code, stdout, stderr } = await gs(['watch', JOB], { API_URL: url, API_TOKEN: TOKEN });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const [, title] of STEPS) expect(stdout).toMatch(new RegExp(`✓ \\[\\d/3\\] ${title} \\(1\\.2 s\\)`));
    expect(stdout).toMatch(/✓ survival is running in 3\.4 s: join at localhost:20000/);
    expect(api.streamRequests.length).toBeGreaterThanOrEqual(2);
    expect(api.streamRequests[1]).toEqual({ lastEventId: '2', after: '2' });
  });

  it('ends with exit code 1, the failing step and the reason; --json gives one document', async () => {
    const api = scriptedApi('fails');
    const url = await listen(api.handler);
    const { code, stdout, stderr } = await gs(['watch', JOB, '--json'], { API_URL: url, API_TOKEN: TOKEN });
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const document = JSON.parse(stdout) as { job: Job; server: GameServer };
    expect(document.job.state).toBe('failed');
    expect(document.server.state).toBe('failed');

    const again = await gs(['watch', JOB], { API_URL: url, API_TOKEN: TOKEN });
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('✗ [3/3] Starting the VM: Proxmox said: no such bridge vmbr9');
    expect(again.stderr.trim()).toBe(
      'gs: The create of \'survival\' failed at "Starting the VM": Proxmox said: no such bridge vmbr9; run `gs retry survival` to resume from that step.',
    );
  });

  it('polls the job when the API has no event stream', async () => {
    const api = scriptedApi('succeeds');
    let reads = 0;
    const url = await listen((req, res) => {
      if (req.url?.startsWith('/v1/events/stream')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'not_found', message: 'There is no route.' } }));
        return;
      }
      // Each read of the job after the first finds it one step further.
      if (req.url === `/v1/jobs/${JOB}` && ++reads > 1) api.advance();
      api.handler(req, res);
    });
    const { code, stdout } = await gs(['watch', JOB], { API_URL: url, API_TOKEN: TOKEN });
    expect(code).toBe(0);
    for (const [, title] of STEPS) expect(stdout).toContain(title);
    expect(stdout).toContain('join at localhost:20000');
  });

  it('says the token is wrong in the API’s own sentence', async () => {
    const url = await listen(scriptedApi('succeeds').handler);
    const { code, stderr } = await gs(['watch', JOB], { API_URL: url, API_TOKEN: 'gs_wrong-token-000000' });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('gs: That API token is unknown or revoked.');
  });
});

describe('progress notes', () => {
  const progress = (data: object) =>
    eventSchema.parse({
      id: 3,
      type: 'step.progress',
      serverId: SERVER,
      jobId: JOB,
      guildId: null,
      ownerId: null,
      channelId: null,
      message: 'The storage local-lvm is busy with other clones; trying again in 2 s (try 2).',
      data,
      createdAt: new Date().toISOString(),
    }) as GuildEventOf<'step.progress'>;

  it('show the typed note of the running step only', () => {
    const typed = progress({
      serverName: 'survival',
      step: 'clone',
      position: 1,
      note: 'Busy; trying again.',
    });
    expect(progressNote(typed, 'clone')).toBe('Busy; trying again.');
    expect(progressNote(typed, 'configure')).toBeUndefined();
  });

  it('show the sentence of an event written before the data was typed', () => {
    const old = progress({ attempt: 1, step: 'clone', position: 1 });
    expect(progressNote(old, 'clone')).toBe(
      'The storage local-lvm is busy with other clones; trying again in 2 s (try 2).',
    );
  });
});
