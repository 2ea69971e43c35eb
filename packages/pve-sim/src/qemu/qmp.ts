// A client for QEMU's machine protocol (QMP) on a unix socket: greeting, capabilities, commands, events.
import { createConnection, type Socket } from 'node:net';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

/** QEMU answered a command with `{"error": {...}}`. */
export class QmpError extends Error {
  constructor(
    readonly errorClass: string,
    description: string,
  ) {
    super(description);
    this.name = 'QmpError';
  }
}

interface PendingCommand {
  command: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface QmpMessage {
  QMP?: unknown;
  id?: number;
  return?: unknown;
  error?: { class?: string; desc?: string };
  event?: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

export class QmpClient {
  private nextId = 1;
  private buffer = '';
  private readonly pending = new Map<number, PendingCommand>();
  private readonly eventListeners = new Set<(event: QmpEvent) => void>();
  private greeting: ((value: unknown) => void) | undefined;
  private isClosed = false;
  /** Resolves once the connection is gone (closed by either side). */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        for (const [id, pending] of this.pending) {
          clearTimeout(pending.timer);
          pending.reject(new Error(`qmp command '${pending.command}' failed - client closed connection`));
          this.pending.delete(id);
        }
        resolve();
      });
    });
    socket.on('error', () => {
      // 'close' follows and fails whatever was pending.
    });
  }

  /** Connects, reads the greeting and leaves capabilities negotiation mode. */
  static async connect(socketPath: string, timeoutMs = 5_000): Promise<QmpClient> {
    const socket = await openUnixSocket(socketPath, timeoutMs);
    const client = new QmpClient(socket);
    const greeted = new Promise((resolve, reject) => {
      client.greeting = resolve;
      void client.closed.then(() => reject(new Error('connection closed before the greeting')));
    });
    try {
      await withTimeout(greeted, timeoutMs, 'no QMP greeting');
      await client.execute('qmp_capabilities', undefined, timeoutMs);
    } catch (error) {
      client.close();
      throw new Error(`QMP handshake on ${socketPath} failed: ${(error as Error).message}`);
    }
    return client;
  }

  execute<T = unknown>(
    command: string,
    args?: Record<string, unknown>,
    timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
  ): Promise<T> {
    if (this.isClosed) {
      return Promise.reject(new Error(`qmp command '${command}' failed - client closed connection`));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`qmp command '${command}' failed - got timeout`));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (value: unknown) => void, reject, timer });
      const message =
        args === undefined ? { execute: command, id } : { execute: command, arguments: args, id };
      this.socket.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Listens to asynchronous events (SHUTDOWN, POWERDOWN, RESET, ...); returns the unsubscribe function. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.dispatch(line);
      newline = this.buffer.indexOf('\n');
    }
  }

  private dispatch(line: string): void {
    let message: QmpMessage;
    try {
      message = JSON.parse(line) as QmpMessage;
    } catch {
      return;
    }
    if (message.QMP !== undefined) {
      this.greeting?.(message.QMP);
      this.greeting = undefined;
      return;
    }
    if (message.event !== undefined) {
      const event: QmpEvent = { event: message.event, data: message.data, timestamp: message.timestamp };
      for (const listener of this.eventListeners) listener(event);
      return;
    }
    if (message.id === undefined) return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.error) {
      pending.reject(
        new QmpError(message.error.class ?? 'GenericError', message.error.desc ?? 'unknown error'),
      );
    } else {
      pending.resolve(message.return);
    }
  }
}

/** Connects to a unix socket, failing after `timeoutMs`. */
export function openUnixSocket(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connecting to ${path} timed out`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
