// A tiny host for the asleep responders: binds one to 127.0.0.1 on an ephemeral port, feeds it what arrives
// (each datagram; each connection's bytes since its last answered verdict), sends its replies and records every
// verdict, so a test can run a real client (gamedig, the product's own probes) against it.
import { createSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import type { AsleepInfo, TcpResponder, UdpResponder, Verdict } from '../../../src/asleep/types.js';

export interface Hosted {
  port: number;
  /** Every verdict the responder gave, in order. */
  verdicts: Verdict[];
  /** The kinds of those verdicts, for short assertions. */
  kinds(): Verdict['kind'][];
  /** TCP: how many connections have closed (UDP: always 0). */
  closedConnections(): number;
  close(): Promise<void>;
}

export async function hostUdp(responder: UdpResponder, info: AsleepInfo): Promise<Hosted> {
  const socket = createSocket('udp4');
  const verdicts: Verdict[] = [];
  socket.on('message', (packet, from) => {
    const verdict = responder.onDatagram(packet, info, { address: from.address, port: from.port });
    verdicts.push(verdict);
    if (verdict.kind === 'status' || verdict.kind === 'join') {
      for (const reply of verdict.replies) socket.send(reply, from.port, from.address);
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    verdicts,
    kinds: () => verdicts.map((verdict) => verdict.kind),
    closedConnections: () => 0,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

export async function hostTcp(responder: TcpResponder, info: AsleepInfo): Promise<Hosted> {
  const verdicts: Verdict[] = [];
  const sockets = new Set<Socket>();
  let closedConnections = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closedConnections++;
    });
    socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      const verdict = responder.onData(pending, info);
      verdicts.push(verdict);
      switch (verdict.kind) {
        case 'more':
          return;
        case 'ignore':
          socket.destroy();
          return;
        case 'status':
        case 'join':
          pending = Buffer.alloc(0);
          for (const reply of verdict.replies) socket.write(reply);
          if (verdict.close) socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    verdicts,
    kinds: () => verdicts.map((verdict) => verdict.kind),
    closedConnections: () => closedConnections,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
