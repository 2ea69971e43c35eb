// One TCP port of a sleeping server: per connection, the bytes no verdict answered yet go to the responder of
// whoever the port answers for now (see TcpResponder). Bounded: bytes and unsent replies per connection,
// connections per port, and an idle timeout, so a held port costs little whatever arrives.
import { createServer, type Socket } from 'node:net';
import type { HeldSocket, PortHooks } from './targets.js';
import { judge } from './verdict.js';

export interface TcpLimits {
  /** Bytes one connection may send in all: a status exchange or a join takes far less. */
  maxBytes: number;
  /** Replies a client leaves unread before it is dropped. */
  maxUnsentBytes: number;
  idleMs: number;
  /** Concurrent connections per port; the port refuses more. */
  maxConnections: number;
}

export const TCP_LIMITS: TcpLimits = {
  maxBytes: 16 * 1024,
  maxUnsentBytes: 64 * 1024,
  idleMs: 10_000,
  maxConnections: 64,
};

const EMPTY = Buffer.alloc(0);

export async function holdTcp(
  port: number,
  address: string,
  hooks: PortHooks,
  limits: TcpLimits = TCP_LIMITS,
): Promise<HeldSocket> {
  const connections = new Set<Socket>();

  function serve(socket: Socket): void {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => {});
    socket.setTimeout(limits.idleMs, () => socket.destroy());
    const source = (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
    let pending: Buffer = EMPTY;
    let received = 0;
    let ended = false;
    socket.on('data', (chunk: Buffer) => {
      if (ended) return;
      received += chunk.length;
      if (received > limits.maxBytes) {
        socket.destroy();
        return;
      }
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const target = hooks.target();
      const responder = target.responder;
      if (responder.transport !== 'tcp') {
        socket.destroy();
        return;
      }
      const verdict = judge(() => responder.onData(pending, target.info));
      if (verdict.kind === 'more') return;
      if (verdict.kind === 'ignore') {
        socket.destroy();
        return;
      }
      if (verdict.kind === 'join') hooks.joined(target, source);
      pending = EMPTY;
      for (const reply of verdict.replies) socket.write(reply);
      if (verdict.close) {
        ended = true;
        socket.end();
      } else if (socket.writableLength > limits.maxUnsentBytes) socket.destroy();
    });
  }

  const server = createServer(serve);
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: address, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {});
  return {
    close: () => {
      for (const socket of connections) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
