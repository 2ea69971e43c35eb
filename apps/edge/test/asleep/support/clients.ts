// Players and bystanders on 127.0.0.1 for the asleep holder's tests: a free port, a Minecraft login, a Quake 3
// client on one UDP port, and a check that a port is free again. Every wait is for an event.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { vi } from 'vitest';
import { MINECRAFT_JOIN } from './packets.js';

const WAIT = { timeout: 5_000, interval: 5 };

/** Listens on `port` of 127.0.0.1 (0: any free one): the port, and how to close it. */
async function bindOnce(protocol: 'tcp' | 'udp', port: number) {
  if (protocol === 'tcp') {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return {
      port: (server.address() as { port: number }).port,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve());
  });
  return {
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A port nothing listens on now: bound on port 0, then closed. */
export async function freePort(protocol: 'tcp' | 'udp'): Promise<number> {
  const bound = await bindOnce(protocol, 0);
  await bound.close();
  return bound.port;
}

/** Something else listening on `port` of 127.0.0.1, until closed. */
export function occupy(protocol: 'tcp' | 'udp', port: number): Promise<{ close(): Promise<void> }> {
  return bindOnce(protocol, port);
}

/** Whether a new socket can bind `port` (it is closed again at once). */
export async function canBind(protocol: 'tcp' | 'udp', port: number): Promise<boolean> {
  try {
    await (await bindOnce(protocol, port)).close();
    return true;
  } catch {
    return false;
  }
}

/** A 1.21.4 client's login: everything the server sent until it closed the connection. */
export async function minecraftLogin(port: number): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  const parts: Buffer[] = [];
  socket.on('data', (data) => parts.push(data));
  return new Promise<string>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => socket.write(MINECRAFT_JOIN));
    socket.once('close', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}

export interface UdpClient {
  /** Sends `packet` and waits for `replies` datagrams in answer: their text (latin1). */
  ask(packet: Buffer, replies?: number): Promise<string[]>;
  /** Sends without waiting for anything. */
  send(packet: Buffer): Promise<void>;
  /** Everything received so far. */
  received: string[];
  close(): void;
}

/** A client on one UDP port of 127.0.0.1, as a game client keeps its port while it retries. */
export async function udpClient(port: number): Promise<UdpClient> {
  const socket: UdpSocket = createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (message) => received.push(message.toString('latin1')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const send = (packet: Buffer) =>
    new Promise<void>((resolve, reject) =>
      socket.send(packet, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
  return {
    received,
    send,
    async ask(packet, replies = 1) {
      const before = received.length;
      await send(packet);
      return vi.waitFor(() => {
        if (received.length < before + replies) throw new Error('no reply yet');
        return received.slice(before, before + replies);
      }, WAIT);
    },
    close: () => socket.close(),
  };
}
