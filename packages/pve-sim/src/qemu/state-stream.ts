// A VM's saved state (QEMU's migration stream) carried between QEMU and a file over a unix socket. QEMU 7.2
// (Debian 12) has no `file:` migration URI, and with an `exec:cat` one QEMU kills the command as soon as the
// channel closes, which can cut off the end of the stream.
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { openUnixSocket } from './qmp.js';

export interface StateReceiver {
  /** Resolves with the bytes written once the sender has closed and all of it is in the file. */
  written: Promise<number>;
  /** Stops listening and removes the socket (a transfer under way goes on). */
  close(): Promise<void>;
}

/** Listens on `socketPath` (QEMU's `migrate` with `unix:<socketPath>`) and writes the first connection's bytes to `file`. */
export async function receiveState(socketPath: string, file: string): Promise<StateReceiver> {
  await rm(socketPath, { force: true });
  const server = createServer();
  const written = new Promise<number>((resolve, reject) => {
    server.once('connection', (socket) => {
      server.close();
      const out = createWriteStream(file);
      pipeline(socket, out).then(() => resolve(out.bytesWritten), reject);
    });
  });
  // Awaited by the caller when the migration went well; failures then surface there.
  written.catch(() => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    written,
    close: async () => {
      server.close();
      await rm(socketPath, { force: true });
    },
  };
}

/** Sends `file` to QEMU's incoming migration socket (`migrate-incoming` with `unix:<socketPath>`). */
export async function sendState(socketPath: string, file: string, timeoutMs = 5_000): Promise<void> {
  const socket = await openUnixSocket(socketPath, timeoutMs);
  await pipeline(createReadStream(file), socket);
}
