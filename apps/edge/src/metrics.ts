// The edge's Prometheus metrics on EDGE_METRICS_HOST:EDGE_METRICS_PORT /metrics: what players sent to each
// published port (read from the table's counters at scrape time, cumulative over the daemon's life), the
// generation in force, how many ports it forwards, how long applies take, and whether it is healthy.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PortTotal } from './counters.js';

const PORT_LABELS = ['server_id', 'server_name', 'protocol', 'port'] as const;

export interface EdgeMetrics {
  registry: Registry;
  appliedGeneration: Gauge;
  forwardedPorts: Gauge;
  applyDuration: Histogram;
  healthy: Gauge;
}

/** `totals` is asked at each scrape (the daemon reads the counters in force); none in dry mode. */
export function createEdgeMetrics(totals: () => Promise<PortTotal[]>): EdgeMetrics {
  const registry = new Registry();
  // One read of the counters per scrape, shared by the packets and bytes metrics.
  let pending: Promise<PortTotal[]> | undefined;
  const read = () => {
    pending ??= totals()
      .catch(() => [] as PortTotal[])
      .finally(() => {
        setImmediate(() => {
          pending = undefined;
        });
      });
    return pending;
  };
  const labelsOf = (t: PortTotal) => ({
    server_id: t.serverId,
    server_name: t.serverName,
    protocol: t.protocol,
    port: String(t.port),
  });
  new Counter({
    name: 'guildserver_edge_received_packets_total',
    help: 'Packets players sent to a published port of the edge (before DNAT), since the daemon started',
    labelNames: PORT_LABELS,
    registers: [registry],
    async collect() {
      this.reset();
      for (const t of await read()) this.inc(labelsOf(t), t.packets);
    },
  });
  new Counter({
    name: 'guildserver_edge_received_bytes_total',
    help: 'Bytes players sent to a published port of the edge (before DNAT), since the daemon started',
    labelNames: PORT_LABELS,
    registers: [registry],
    async collect() {
      this.reset();
      for (const t of await read()) this.inc(labelsOf(t), t.bytes);
    },
  });
  return {
    registry,
    appliedGeneration: new Gauge({
      name: 'guildserver_edge_applied_generation',
      help: 'The generation of the forwarding table in force (-1 while none is)',
      registers: [registry],
    }),
    forwardedPorts: new Gauge({
      name: 'guildserver_edge_forwarded_ports',
      help: 'Published ports the table in force forwards',
      registers: [registry],
    }),
    applyDuration: new Histogram({
      name: 'guildserver_edge_apply_duration_seconds',
      help: 'Replacing the whole table: nft -c, then nft -f',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    healthy: new Gauge({
      name: 'guildserver_edge_healthy',
      help: '1 when the last read and apply went well and nothing is refused for a local listener, else 0',
      registers: [registry],
    }),
  };
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** Serves /metrics (and /healthz) until closed. */
export async function serveMetrics(
  metrics: EdgeMetrics,
  where: { host: string; port: number },
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        })
        .catch((error: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`${error.message}\n`);
        });
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: the edge serves /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `Port ${where.port} on ${where.host} is already in use, so the edge cannot serve its metrics; set EDGE_METRICS_PORT to a free port, or 0 for none.`
            : `The edge cannot serve its metrics on ${where.host}:${where.port} (${error.message}); set EDGE_METRICS_HOST and EDGE_METRICS_PORT, or EDGE_METRICS_PORT=0 for none.`,
        ),
      ),
    );
    server.listen(where.port, where.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = where.host.includes(':') ? `[${where.host}]` : where.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
