import { createServer } from 'node:net';
import { createProxmoxClient } from '@guildserver/proxmox';
import { DEFAULT_SIM_TOKEN } from '@guildserver/pve-sim';
import { serve } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { jobSteps, jobs } from '../../src/db/schema.js';
import { appendEvent } from '../../src/domain/events.js';
import { notifyEventsAppended } from '../../src/observability/event-feed.js';
import { createMetrics, proxmoxMetricsLogger, proxmoxPathPattern } from '../../src/observability/metrics.js';
import { buildApi } from '../../src/runtime/build-api.js';
import { client, type Harness, startApi } from '../support/api-harness.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});
async function stack() {
  const h = await startApi();
  harnesses.push(h);
  return h;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type Readiness = { status: string; checks: Record<string, string> };

describe('readiness', () => {
  it('is ready when SQLite, Redis and Proxmox answer; healthz needs nothing', async () => {
    const h = await stack();
    const res = await fetch(`${h.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: { sqlite: 'ok', redis: 'ok', proxmox: 'ok' },
      // Shown, not gated on: without an edge the API serves, and the notices say the ports are not forwarded.
      edge: {
        mode: 'auto',
        generation: expect.any(Number),
        applied: null,
        lag: null,
        problem: expect.stringMatching(/^No edge has reported yet/),
      },
      // So is the warm pool: none asked for (WARM_POOL unset).
      pool: { mode: 'stopped', games: [] },
    });
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it('answers 503 naming Proxmox when it is unreachable (simulator stopped)', async () => {
    const h = await stack();
    await h.sim.close();
    const res = await fetch(`${h.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as Readiness;
    expect(body.status).toBe('not_ready');
    expect(body.checks.sqlite).toBe('ok');
    expect(body.checks.redis).toBe('ok');
    expect(body.checks.proxmox).toMatch(/^Proxmox at 127\.0\.0\.1:\d+ (cannot be reached|did not answer)/);
    expect(JSON.stringify(body)).not.toContain(DEFAULT_SIM_TOKEN.secret);
  });

  it('answers 503 naming Redis when it is down (a closed port), without its password', async () => {
    const h = await stack();
    const port = await closedPort();
    const api = buildApi({ ...h.services, redisUrl: `redis://user:hunter2secret@127.0.0.1:${port}` });
    const server = serve({ fetch: api.app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as Readiness;
      expect(body.checks).toMatchObject({ sqlite: 'ok', proxmox: 'ok' });
      expect(body.checks.redis).toBe(`Redis at 127.0.0.1:${port} is not reachable (connection refused).`);
      expect(JSON.stringify(body)).not.toContain('hunter2secret');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
    }
  });

  it('answers 503 naming Proxmox when it answers /version with an error', async () => {
    const h = await stack();
    h.sim.faults.failNth({
      method: 'GET',
      path: '/version',
      nth: 1,
      times: 20,
      status: 500,
      message: 'boom',
    });
    const res = await fetch(`${h.url}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as Readiness).checks.proxmox).toBe(
      `Proxmox at 127.0.0.1:${h.sim.port} answered with an error (api_error).`,
    );
  });
});

describe('metrics', () => {
  it('needs a token (any scope) and shows HTTP durations by route pattern and status after a request', async () => {
    const h = await stack();
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    const token = h.token(['read']);
    const api = client(h.url, token);
    expect((await api('GET', '/v1/games')).status).toBe(200);
    expect((await api('GET', '/v1/servers/srv_aaaaaaaaaaaa')).status).toBe(404);
    const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain(
      'guildserver_http_request_duration_seconds_count{method="GET",route="/v1/games",status="200"}',
    );
    expect(text).toContain(
      'guildserver_http_request_duration_seconds_count{method="GET",route="/v1/servers/:id",status="404"}',
    );
    expect(text).toMatch(/guildserver_queue_jobs\{state="waiting"\} \d+/);
    expect(text).toContain('guildserver_process_resident_memory_bytes');
  });

  it('counts finished jobs by kind and outcome and step durations by step, from the events', async () => {
    const h = await stack();
    const { db } = h.services;
    const at = (ms: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, 0, ms)).toISOString();
    db.insert(jobs)
      .values({
        id: 'job_metrics00001',
        serverId: 'srv_aaaaaaaaaaaa',
        kind: 'restart',
        state: 'succeeded',
        createdAt: at(0),
      })
      .run();
    db.insert(jobSteps)
      .values({
        jobId: 'job_metrics00001',
        position: 0,
        name: 'check_vm',
        title: 'Checking',
        state: 'succeeded',
        startedAt: at(0),
        finishedAt: at(250),
      })
      .run();
    appendEvent(db, {
      type: 'step.succeeded',
      message: 'ok',
      jobId: 'job_metrics00001',
      data: { step: 'check_vm' },
    });
    appendEvent(db, {
      type: 'step.failed',
      message: 'no',
      jobId: 'job_metrics00001',
      data: { step: 'start_vm', durationMs: 1500 },
    });
    appendEvent(db, { type: 'job.succeeded', message: 'done', jobId: 'job_metrics00001' });
    appendEvent(db, {
      type: 'image.build_failed',
      message: 'no',
      data: {
        game: 'openttd',
        buildId: 'img_metrics00001',
        vmid: 10000,
        step: 'seal',
        code: 'x',
        reason: 'x',
      },
    });
    notifyEventsAppended(db);
    const token = h.token(['bot']);
    const scrape = async () =>
      (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    let text = await scrape();
    while (!text.includes('guildserver_jobs_finished_total{kind="restart",outcome="succeeded"}')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      text = await scrape();
    }
    expect(text).toMatch(
      /guildserver_job_step_duration_seconds_sum\{step="check_vm",outcome="succeeded"\} 0\.25\b/,
    );
    expect(text).toContain('guildserver_image_builds_finished_total{game="openttd",outcome="failed"} 1');
    expect(text).toMatch(
      /guildserver_job_step_duration_seconds_sum\{step="start_vm",outcome="failed"\} 1\.5\b/,
    );
  });

  it('counts Proxmox requests and errors through the client logger adapter', async () => {
    const h = await stack();
    const metrics = createMetrics();
    const lines: string[] = [];
    const logger = { debug: (_: object, msg?: string) => void lines.push(msg ?? ''), warn: () => {} };
    const proxmox = createProxmoxClient({
      baseUrl: h.sim.url,
      auth: { kind: 'token', tokenId: DEFAULT_SIM_TOKEN.id, secret: DEFAULT_SIM_TOKEN.secret },
      retry: { attempts: 1 },
      logger: proxmoxMetricsLogger(logger, metrics),
    });
    try {
      await proxmox.version.get();
      await expect(proxmox.qemu.status({ node: 'pve', vmid: 4242 })).rejects.toThrow();
    } finally {
      await proxmox.close();
    }
    const text = await metrics.registry.metrics();
    expect(text).toContain('guildserver_proxmox_requests_total{method="GET",path="/version",status="200"} 1');
    expect(text).toMatch(
      /guildserver_proxmox_requests_total\{method="GET",path="\/nodes\/\{node\}\/qemu\/\{vmid\}\/status\/current",status="5\d\d"\} 1/,
    );
    expect(text).toContain(
      'guildserver_proxmox_request_errors_total{method="GET",path="/nodes/{node}/qemu/{vmid}/status/current"} 1',
    );
    expect(lines).toContain('proxmox request'); // passed on to the real logger
  });

  it('turns Proxmox paths into bounded patterns', () => {
    expect(proxmoxPathPattern('/nodes/pve/qemu/10042/status/start')).toBe(
      '/nodes/{node}/qemu/{vmid}/status/start',
    );
    expect(proxmoxPathPattern('/nodes/pve2/tasks/UPID%3Apve%3A0001/status')).toBe(
      '/nodes/{node}/tasks/{upid}/status',
    );
    expect(proxmoxPathPattern('/cluster/resources')).toBe('/cluster/resources');
    expect(proxmoxPathPattern('/nodes')).toBe('/nodes');
    expect(proxmoxPathPattern('/nodes/pve/qemu/100/snapshot/before-update/rollback')).toBe(
      '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback',
    );
  });
});
