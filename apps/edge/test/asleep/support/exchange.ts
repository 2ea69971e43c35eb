// Raw clients for the hosted responders: send bytes, wait until the host has judged them and its replies have
// arrived. Waits are for events (a verdict recorded, a socket closed, bytes received), never for a fixed time.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { vi } from 'vitest';
import type { Verdict } from '../../../src/asleep/types.js';
import type { Hosted } from './host.js';

const WAIT = { timeout: 5_000, interval: 5 };

function repliesOf(verdict: Verdict): Buffer[] {
  return verdict.kind === 'status' || verdict.kind === 'join' ? verdict.replies : [];
}

export interface DatagramClient {
  /** Sends one datagram from this client's port: the host's verdict and the datagrams it sent back. */
  send(packet: Buffer): Promise<{ verdict: Verdict; replies: Buffer[] }>;
  close(): void;
}

/** A client on one port, for exchanges the server ties to the sender (challenges, peer ids). */
export async function datagramClient(host: Hosted): Promise<DatagramClient> {
  const socket = createSocket('udp4');
  let received: Buffer[] = [];
  socket.on('message', (reply) => received.push(reply));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    async send(packet) {
      received = [];
      const replies = received;
      const before = host.verdicts.length;
      await new Promise<void>((resolve, reject) =>
        socket.send(packet, host.port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
      );
      const verdict = await vi.waitFor(() => {
        const judged = host.verdicts[before];
        if (judged === undefined) throw new Error('no verdict yet');
        return judged;
      }, WAIT);
      const expected = repliesOf(verdict).length;
      await vi.waitFor(() => {
        if (replies.length < expected) throw new Error(`${replies.length} of ${expected} replies`);
      }, WAIT);
      return { verdict, replies };
    },
    close: () => socket.close(),
  };
}

/** One datagram to the host from a fresh port: its verdict and the datagrams it sent back. */
export async function sendDatagram(
  host: Hosted,
  packet: Buffer,
): Promise<{ verdict: Verdict; replies: Buffer[] }> {
  const client = await datagramClient(host);
  try {
    return await client.send(packet);
  } finally {
    client.close();
  }
}

export interface TcpOutcome {
  /** The verdict each chunk produced. */
  verdicts: Verdict[];
  /** Everything the host sent back. */
  received: Buffer;
  /** Whether the host closed the connection. */
  closed: boolean;
}

/**
 * Opens a connection, writes each chunk once the previous one was judged, and returns what came back once the
 * host closed the connection or, when it keeps it open, once all the replies it gave have arrived.
 */
export async function tcpExchange(host: Hosted, chunks: Buffer[]): Promise<TcpOutcome> {
  const socket = connect(host.port, '127.0.0.1');
  const parts: Buffer[] = [];
  let closed = false;
  socket.on('data', (data) => parts.push(data));
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const verdicts: Verdict[] = [];
  try {
    for (const chunk of chunks) {
      const before = host.verdicts.length;
      socket.write(chunk);
      verdicts.push(
        await vi.waitFor(() => {
          const judged = host.verdicts[before];
          if (judged === undefined) throw new Error('no verdict yet');
          return judged;
        }, WAIT),
      );
    }
    const last = verdicts.at(-1);
    const closes =
      last?.kind === 'ignore' || ((last?.kind === 'status' || last?.kind === 'join') && last.close);
    const expectedBytes = verdicts.flatMap(repliesOf).reduce((sum, reply) => sum + reply.length, 0);
    await vi.waitFor(() => {
      if (closes && !closed) throw new Error('still open');
      if (Buffer.concat(parts).length < expectedBytes) throw new Error('replies still arriving');
    }, WAIT);
    return { verdicts, received: Buffer.concat(parts), closed };
  } finally {
    socket.destroy();
  }
}

/** Connects, sends nothing, hangs up: the host must have judged nothing by the time it saw the close. */
export async function connectAndHangUp(host: Hosted): Promise<void> {
  const closedBefore = host.closedConnections();
  const socket = connect(host.port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.end();
  await vi.waitFor(() => {
    if (host.closedConnections() === closedBefore) throw new Error('host has not seen the close yet');
  }, WAIT);
  socket.destroy();
}
