// A real HTTP server on 127.0.0.1 for a test's scripted answers, closed after each test (open connections too,
// so a stream a test left open cannot hold the next one up).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Call once at the top of a test file; `listen(handler)` then resolves with the server's base URL, and `close()`
 * stops it early (for a test of nothing listening there).
 */
export function useLocalHttp(): { listen(handler: Handler): Promise<string>; close(): Promise<void> } {
  let http: Server | undefined;
  const close = async () => {
    const server = http;
    http = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  afterEach(close);
  return {
    close,
    async listen(handler) {
      const server = createServer(handler);
      http = server;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  };
}
