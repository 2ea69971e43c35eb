// Prometheus metrics of the API process: HTTP requests by route pattern, jobs and steps (learned from the
// events table, so they count work done by workers in any process), Proxmox calls and errors (through the
// client's request log), and the queue's depth (read from Redis at scrape time).
import type { PoolGame } from '@guildserver/contracts';
import type { LoggerLike } from '@guildserver/proxmox';
import type { Queue } from 'bullmq';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'failed',
  'completed',
  'prioritized',
  'waiting-children',
] as const;

export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  jobsFinished: Counter<'kind' | 'outcome'>;
  imageBuildsFinished: Counter<'game' | 'outcome'>;
  stepDuration: Histogram<'step' | 'outcome'>;
  proxmoxCalls: Counter<'method' | 'path' | 'status'>;
  proxmoxErrors: Counter<'method' | 'path'>;
  proxmoxDuration: Histogram<'method' | 'path'>;
  /** Queues whose depth is read at each scrape; add the job queue when the API starts, delete it at close. */
  queues: Set<Queue>;
  /** The warm pool's counts per game, read at each scrape (as the queues are). */
  pools: Set<() => readonly PoolGameCounts[]>;
}

/** One game's pool counts (GET /v1/pool's numbers). */
export type PoolGameCounts = Pick<PoolGame, 'game' | 'wanted' | 'ready' | 'making'>;

export function createMetrics(options: { defaultMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'guildserver_' });
  const queues = new Set<Queue>();
  new Gauge({
    name: 'guildserver_queue_jobs',
    help: 'Jobs in the BullMQ queue by state, read at scrape time',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of queues) {
        try {
          const counts = await queue.getJobCounts(...QUEUE_STATES);
          for (const state of QUEUE_STATES) this.inc({ state }, counts[state] ?? 0);
        } catch {
          // Redis down: readyz says so; the gauge just has no fresh value.
        }
      }
    },
  });
  const pools = new Set<() => readonly PoolGameCounts[]>();
  new Gauge({
    name: 'guildserver_pool_vms',
    help: 'Warm-pool VMs by game and state (ready, making), and how many WARM_POOL wants (state="wanted")',
    labelNames: ['game', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const counts of pools)
        for (const { game, ...byState } of counts())
          for (const [state, value] of Object.entries(byState)) this.set({ game, state }, value);
    },
  });
  return {
    registry,
    queues,
    pools,
    httpDuration: new Histogram({
      name: 'guildserver_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status (streams: time to the response head)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    jobsFinished: new Counter({
      name: 'guildserver_jobs_finished_total',
      help: 'Jobs that ended, by kind (create, start, stop, restart, delete) and outcome (succeeded, failed)',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    imageBuildsFinished: new Counter({
      name: 'guildserver_image_builds_finished_total',
      help: 'Game image builds that ended, by game and outcome (succeeded, failed)',
      labelNames: ['game', 'outcome'],
      registers: [registry],
    }),
    stepDuration: new Histogram({
      name: 'guildserver_job_step_duration_seconds',
      help: 'Duration of job steps by step name and outcome',
      labelNames: ['step', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers: [registry],
    }),
    proxmoxCalls: new Counter({
      name: 'guildserver_proxmox_requests_total',
      help: 'HTTP requests to the Proxmox API by method, path pattern and status (0: no answer)',
      labelNames: ['method', 'path', 'status'],
      registers: [registry],
    }),
    proxmoxErrors: new Counter({
      name: 'guildserver_proxmox_request_errors_total',
      help: 'Proxmox API requests that failed (no answer, or a status of 400 and above)',
      labelNames: ['method', 'path'],
      registers: [registry],
    }),
    proxmoxDuration: new Histogram({
      name: 'guildserver_proxmox_request_duration_seconds',
      help: 'Proxmox API request durations by method and path pattern',
      labelNames: ['method', 'path'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

let shared: ApiMetrics | undefined;

/** The metrics of this process (with Node's default process metrics), created on first use. */
export function processMetrics(): ApiMetrics {
  shared ??= createMetrics({ defaultMetrics: true });
  return shared;
}

/** The matched route's pattern (`/v1/servers/:id`), or `unmatched` when only middleware ran (404s). */
function routeLabel(c: Parameters<MiddlewareHandler>[0]): string {
  const route = matchedRoutes(c).at(c.req.routeIndex);
  if (!route || route.method === 'ALL') return 'unmatched';
  return route.path;
}

export function httpMetrics(metrics: ApiMetrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      metrics.httpDuration.observe(
        { method: c.req.method, route: routeLabel(c), status: String(c.res.status) },
        (performance.now() - started) / 1000,
      );
    }
  };
}

const VARIABLE_AFTER: Record<string, string> = {
  nodes: '{node}',
  qemu: '{vmid}',
  lxc: '{vmid}',
  tasks: '{upid}',
  storage: '{storage}',
  snapshot: '{snapname}',
};

/** `/nodes/pve/qemu/10042/status/start` → `/nodes/{node}/qemu/{vmid}/status/start`: bounded label values. */
export function proxmoxPathPattern(path: string): string {
  const segments = path.split('?')[0]!.split('/');
  return segments
    .map((segment, i) => {
      const previous = segments[i - 1];
      const placeholder = previous === undefined ? undefined : VARIABLE_AFTER[previous];
      // `/storage` alone (the list) stays; `/nodes/{node}/storage/local-lvm` becomes `{storage}`.
      return placeholder && segment !== '' ? placeholder : segment;
    })
    .join('/');
}

/**
 * A logger for the Proxmox client that counts its requests: the client logs every request (`proxmox request`
 * with method, path, status and durationMs) at debug level; this adapter counts those and passes every line
 * on to `inner` unchanged. Wire it where the client is created:
 * `createProxmoxClient(toProxmoxClientOptions(cfg, { logger: proxmoxMetricsLogger(logger, processMetrics()) }))`.
 */
export function proxmoxMetricsLogger(inner: LoggerLike, metrics: ApiMetrics): LoggerLike {
  return {
    debug(obj, msg) {
      const line = obj as { method?: unknown; path?: unknown; status?: unknown; durationMs?: unknown };
      if (msg === 'proxmox request' && typeof line.method === 'string' && typeof line.path === 'string') {
        const labels = { method: line.method, path: proxmoxPathPattern(line.path) };
        const status = typeof line.status === 'number' ? line.status : 0;
        metrics.proxmoxCalls.inc({ ...labels, status: String(status) });
        if (status === 0 || status >= 400) metrics.proxmoxErrors.inc(labels);
        if (typeof line.durationMs === 'number')
          metrics.proxmoxDuration.observe(labels, line.durationMs / 1000);
      }
      inner.debug(obj, msg);
    },
    warn(obj, msg) {
      inner.warn(obj, msg);
    },
  };
}
