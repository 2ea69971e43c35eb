// A client for the QEMU guest agent (QGA) behind the `org.qemu.guest_agent.0` virtserialport's unix socket.
// The channel outlives clients and guest agent restarts, so each call resynchronises with
// guest-sync-delimited: replies to earlier (timed-out) requests may still be in the pipe.
import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import { AgentNotRunningError } from '../backend.js';
import { openUnixSocket } from './qmp.js';

const SENTINEL = 0xff;

export interface GuestAgentOptions {
  /** How long the agent may take to answer the sync before it counts as not running (PVE pings with 3 s). */
  syncTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Prefix of error messages, e.g. `VM 101`. */
  label?: string;
}

interface AgentReply {
  return?: unknown;
  error?: { class?: string; desc?: string };
}

export class GuestAgentClient {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly syncTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly label: string;

  constructor(
    private readonly socketPath: string,
    options: GuestAgentOptions = {},
  ) {
    this.syncTimeoutMs = options.syncTimeoutMs ?? 3_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
    this.label = options.label ? `${options.label} ` : '';
  }

  /** Runs one QGA command and resolves with its `return` value as QGA sent it. */
  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    return this.serialised(() => this.run(command, args, false));
  }

  /** `guest-shutdown` answers nothing when it works (the guest goes down), only an error when it does not. */
  shutdown(mode: 'powerdown' | 'reboot' | 'halt' = 'powerdown'): Promise<void> {
    return this.serialised(async () => {
      await this.run('guest-shutdown', { mode }, true);
    });
  }

  private serialised<T>(call: () => Promise<T>): Promise<T> {
    const result = this.queue.then(call, call);
    this.queue = result.catch(() => {});
    return result;
  }

  private async run(command: string, args: Record<string, unknown> | undefined, silentOnSuccess: boolean) {
    let socket: Socket;
    try {
      socket = await openUnixSocket(this.socketPath, this.syncTimeoutMs);
    } catch {
      throw new AgentNotRunningError();
    }
    const reader = new ByteReader(socket);
    try {
      const syncId = randomInt(1, 2 ** 31 - 1);
      socket.write(
        Buffer.concat([Buffer.from([SENTINEL]), jsonLine('guest-sync-delimited', { id: syncId })]),
      );
      const synced = await reader.syncedTo(syncId, this.syncTimeoutMs);
      if (!synced) throw new AgentNotRunningError();

      socket.write(jsonLine(command, args));
      const reply = await reader.nextReply(silentOnSuccess ? 1_000 : this.commandTimeoutMs);
      if (!reply) {
        if (silentOnSuccess) return undefined;
        throw new Error(`${this.label}qmp command '${command}' failed - got timeout`);
      }
      if (reply.error) throw new Error(`Agent error: ${reply.error.desc ?? reply.error.class ?? 'unknown'}`);
      return reply.return;
    } finally {
      reader.dispose();
      socket.destroy();
    }
  }
}

function jsonLine(command: string, args?: Record<string, unknown>): Buffer {
  const message = args === undefined ? { execute: command } : { execute: command, arguments: args };
  return Buffer.from(`${JSON.stringify(message)}\n`);
}

/** Collects bytes from the socket and hands out what the QGA protocol needs: sync replies, then one reply. */
class ByteReader {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private ended = false;
  private readonly onData = (chunk: Buffer) => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    this.wake?.();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake?.();
  };

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('close', this.onEnd);
    socket.on('error', this.onEnd);
  }

  /** Skips stale data until `\xff{"return": id}` arrives; false when it does not in time. */
  async syncedTo(id: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const sentinel = this.buffer.indexOf(SENTINEL);
      if (sentinel >= 0) {
        const newline = this.buffer.indexOf(0x0a, sentinel);
        if (newline >= 0) {
          const line = this.buffer.subarray(sentinel + 1, newline).toString('utf8');
          this.buffer = this.buffer.subarray(newline + 1);
          if (parseReply(line)?.return === id) return true;
          continue;
        }
        // Drop everything before the sentinel: it is stale.
        this.buffer = this.buffer.subarray(sentinel);
      } else {
        this.buffer = Buffer.alloc(0);
      }
      if (!(await this.waitForData(deadline))) return false;
    }
  }

  /** The next complete reply (`return` or `error`), or undefined on timeout or a closed channel. */
  async nextReply(timeoutMs: number): Promise<AgentReply | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const newline = this.buffer.indexOf(0x0a);
      if (newline >= 0) {
        const line = withoutSentinels(this.buffer.subarray(0, newline)).toString('utf8').trim();
        this.buffer = this.buffer.subarray(newline + 1);
        const reply = parseReply(line);
        if (reply && ('return' in reply || 'error' in reply)) return reply;
        continue;
      }
      if (!(await this.waitForData(deadline))) return undefined;
    }
  }

  dispose(): void {
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onEnd);
    this.wake?.();
  }

  private waitForData(deadline: number): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve(false);
      }, remaining);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(true);
      };
    });
  }
}

function parseReply(line: string): AgentReply | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' ? (value as AgentReply) : undefined;
  } catch {
    return undefined;
  }
}

function withoutSentinels(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length && bytes[start] === SENTINEL) start++;
  return bytes.subarray(start);
}
