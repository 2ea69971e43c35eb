// The bot's own small HTTP server, for Prometheus and a supervisor: GET /metrics, and GET /healthz answering
// 200 while the bot is connected to Discord's gateway (503 otherwise).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** Where it listens, e.g. `http://127.0.0.1:9465`. */
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(
  registry: Registry,
  connected: () => boolean,
  listen: { host: string; port: number },
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => response.writeHead(500).end(),
      );
    } else if (path === '/healthz') {
      const up = connected();
      response
        .writeHead(up ? 200 : 503, { 'content-type': 'text/plain' })
        .end(up ? 'ok\n' : 'not connected to Discord\n');
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics or /healthz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
