// A minimal QEMU guest agent client (the JSON protocol over the virtio-serial port's host socket).
import { createConnection, type Socket } from 'node:net';
import { type Deadline, waitUntil } from '../../src/deadline.js';

const DELIMITER = 0xff;

/**
 * Runs one guest-agent command. Each call syncs first (guest-sync-delimited): the channel may still hold
 * answers to an earlier call that timed out, and everything up to the 0xFF the agent sends back is stale.
 */
export async function guestAgent(
  socketPath: string,
  execute: string,
  args?: Record<string, unknown>,
  timeoutMs = 5000,
): Promise<unknown> {
  const socket = createConnection(socketPath);
  const reader = lineReader(socket);
  const timer = setTimeout(() => socket.destroy(new Error(`guest agent: ${execute} timed out`)), timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const id = Math.floor(Math.random() * 2 ** 31);
    // A leading 0xFF makes the agent drop any half-received request.
    socket.write(Buffer.from([DELIMITER]));
    socket.write(`${JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id } })}\n`);
    await reader.skipPastDelimiter();
    for (;;) {
      const reply = JSON.parse(await reader.nextLine()) as { return?: unknown };
      if (reply.return === id) break;
    }
    socket.write(`${JSON.stringify(args ? { execute, arguments: args } : { execute })}\n`);
    const reply = JSON.parse(await reader.nextLine()) as { return?: unknown; error?: { desc?: string } };
    if (reply.error) throw new Error(`guest agent: ${execute}: ${reply.error.desc ?? JSON.stringify(reply)}`);
    return reply.return;
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}

/** Polls guest-ping until the agent answers. */
export async function waitForGuestAgent(socketPath: string, deadline: Deadline): Promise<void> {
  await waitUntil(
    deadline,
    async () => {
      await guestAgent(socketPath, 'guest-ping', undefined, 3000);
      return true;
    },
    { retryErrors: true },
  );
}

function lineReader(socket: Socket) {
  let buffer = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    wake?.();
  });
  const fail = (error?: Error) => {
    failure ??= error ?? new Error('guest agent socket closed');
    wake?.();
  };
  socket.on('error', fail);
  socket.on('close', () => fail());
  const more = () =>
    new Promise<void>((resolve, reject) => {
      if (failure) reject(failure);
      else
        wake = () => {
          wake = undefined;
          if (failure) reject(failure);
          else resolve();
        };
    });
  return {
    async skipPastDelimiter(): Promise<void> {
      for (;;) {
        const at = buffer.indexOf(DELIMITER);
        if (at >= 0) {
          buffer = buffer.subarray(at + 1);
          return;
        }
        buffer = Buffer.alloc(0);
        await more();
      }
    },
    async nextLine(): Promise<string> {
      for (;;) {
        const at = buffer.indexOf(0x0a);
        if (at >= 0) {
          const line = buffer.subarray(0, at).toString().trim();
          buffer = buffer.subarray(at + 1);
          if (line) return line;
          continue;
        }
        await more();
      }
    },
  };
}
