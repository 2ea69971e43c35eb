// Luanti's server-list announces, received by us instead of servers.luanti.org. A server configured with
// `server_announce = true` and `serverlist_url = http://<addr>:<port>` POSTs to `<serverlist_url>/announce`
// (luanti src/serverlist.cpp, sent through src/httpfetch.cpp with libcurl): a multipart/form-data body with one
// field, `json`, holding a compact JSON object — action `start` on its first server step, `update` every
// 300 s, `delete` when it shuts down. `start`/`update` carry name, description, version, clients,
// clients_max, clients_list, uptime, game_time, gameid and more; `delete` only the action, port and (when set)
// address. Luanti sends no credentials and ignores our answer.
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type LuantiAnnounceAction = 'start' | 'update' | 'delete';

export interface LuantiAnnounce {
  action: LuantiAnnounceAction;
  /** The port the server listens on (its bind port: inside a VM, the guest port). */
  port: number;
  /** `server_address` when the server sets one; the sender's address is what identifies it. */
  address?: string;
  name?: string;
  description?: string;
  version?: string;
  gameid?: string;
  /** Players online. */
  clients?: number;
  /** `max_users`. */
  clientsMax?: number;
  clientsList?: string[];
  /** Seconds since the server started. */
  uptime?: number;
  gameTime?: number;
  lag?: number;
  mapgen?: string;
  mods?: string[];
  /** The whole object as sent. */
  raw: Record<string, unknown>;
}

/** The body is not a Luanti announce: one sentence saying what is wrong. */
export class AnnounceError extends Error {
  override readonly name = 'AnnounceError';
}

const ACTIONS: readonly string[] = ['start', 'update', 'delete'];

/** `{ key: value }`, or nothing when the value is undefined. */
function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function optionalString(raw: Record<string, unknown>, key: string): string | undefined {
  const value = raw[key];
  return typeof value === 'string' ? value : undefined;
}

function optionalCount(raw: Record<string, unknown>, key: string): number | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new AnnounceError(`The announce's "${key}" must be a number of 0 or more.`);
  }
  return value;
}

function optionalStrings(raw: Record<string, unknown>, key: string): string[] | undefined {
  const value = raw[key];
  if (!Array.isArray(value)) return undefined;
  return value.filter((item): item is string => typeof item === 'string');
}

/** Checks and reads the `json` field of an announce. */
export function parseLuantiAnnounce(json: string): LuantiAnnounce {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new AnnounceError('The announce\'s "json" field is not JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AnnounceError('The announce\'s "json" field must hold a JSON object.');
  }
  const raw = parsed as Record<string, unknown>;
  const action = raw.action;
  if (typeof action !== 'string' || !ACTIONS.includes(action)) {
    throw new AnnounceError('The announce\'s "action" must be start, update or delete.');
  }
  const port = raw.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new AnnounceError('The announce\'s "port" must be a port number from 1 to 65535.');
  }
  return {
    action: action as LuantiAnnounceAction,
    port,
    ...defined('address', optionalString(raw, 'address')),
    ...defined('name', optionalString(raw, 'name')),
    ...defined('description', optionalString(raw, 'description')),
    ...defined('version', optionalString(raw, 'version')),
    ...defined('gameid', optionalString(raw, 'gameid')),
    ...defined('mapgen', optionalString(raw, 'mapgen')),
    ...defined('clients', optionalCount(raw, 'clients')),
    ...defined('clientsMax', optionalCount(raw, 'clients_max')),
    ...defined('clientsList', optionalStrings(raw, 'clients_list')),
    ...defined('uptime', optionalCount(raw, 'uptime')),
    ...defined('gameTime', optionalCount(raw, 'game_time')),
    ...defined('lag', optionalCount(raw, 'lag')),
    ...defined('mods', optionalStrings(raw, 'mods')),
    raw,
  };
}

/**
 * Reads an announce from a Fetch API request: multipart/form-data as Luanti sends it (a url-encoded form
 * with the same `json` field is accepted too).
 */
export async function readLuantiAnnounce(request: Request): Promise<LuantiAnnounce> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^(multipart\/form-data|application\/x-www-form-urlencoded)\b/i.test(type)) {
    throw new AnnounceError('A Luanti announce is a multipart/form-data POST with a "json" field.');
  }
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw new AnnounceError('The announce body is not a well-formed form.');
  }
  const json = form.get('json');
  if (typeof json !== 'string') {
    throw new AnnounceError('The announce has no "json" field.');
  }
  return parseLuantiAnnounce(json);
}

/** `::ffff:10.0.0.5` → `10.0.0.5`; other addresses unchanged. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

export interface ReceivedAnnounce {
  /** The sender's address (IPv4 as dotted quad). */
  source: string;
  receivedAt: Date;
  announce: LuantiAnnounce;
}

export interface ServerListReceiverOptions {
  /** Default 0.0.0.0. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Bodies larger than this are refused with 413. Default 256 KiB. */
  maxBodyBytes?: number;
}

export interface ServerListReceiver {
  /** What to set as Luanti's `serverlist_url` (with the listening address; use a reachable one in its place). */
  readonly url: string;
  readonly port: number;
  /** The latest announce from that sender for that announced port. */
  latest(host: string, port: number): ReceivedAnnounce | undefined;
  /**
   * The latest announce from (host, port) that satisfies `accept` (default: any), waiting for one when there is
   * none yet; rejects after `timeoutMs` (default 30 s) or when the signal aborts.
   */
  waitFor(
    host: string,
    port: number,
    options?: {
      timeoutMs?: number;
      signal?: AbortSignal;
      accept?: (received: ReceivedAnnounce) => boolean;
    },
  ): Promise<ReceivedAnnounce>;
  on(event: 'announce', listener: (received: ReceivedAnnounce) => void): ServerListReceiver;
  off(event: 'announce', listener: (received: ReceivedAnnounce) => void): ServerListReceiver;
  close(): Promise<void>;
}

const keyOf = (host: string, port: number) => `${normalizeAddress(host)}|${port}`;

function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

function answer(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/**
 * A small HTTP server standing in for Luanti's server list: `POST …/announce` from any path prefix, keeping the
 * latest announce per (sender address, announced port). For tests and tools; the API mounts the same parser
 * on its own route.
 */
export async function startServerListReceiver(
  options: ServerListReceiverOptions = {},
): Promise<ServerListReceiver> {
  const limit = options.maxBodyBytes ?? 256 * 1024;
  const announces = new Map<string, ReceivedAnnounce>();
  const events = new EventEmitter();
  events.setMaxListeners(0);

  const server = createServer((request, response) => {
    void (async () => {
      const path = (request.url ?? '/').split('?')[0]!;
      if (!path.endsWith('/announce'))
        return answer(response, 404, { error: 'Only POST …/announce is served here.' });
      if (request.method !== 'POST') return answer(response, 405, { error: 'Announces are POSTed.' });
      const body = await readBody(request, limit);
      if (body === undefined)
        return answer(response, 413, { error: `Announces are at most ${limit} bytes.` });
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      try {
        const announce = await readLuantiAnnounce(
          new Request('http://receiver/announce', { method: 'POST', headers, body }),
        );
        const received: ReceivedAnnounce = {
          source: normalizeAddress(request.socket.remoteAddress ?? ''),
          receivedAt: new Date(),
          announce,
        };
        announces.set(keyOf(received.source, announce.port), received);
        events.emit('announce', received);
        answer(response, 200, { status: 'ok' });
      } catch (error) {
        if (error instanceof AnnounceError) return answer(response, 400, { error: error.message });
        throw error;
      }
    })().catch(() => {
      if (!response.headersSent) answer(response, 500, { error: 'The announce could not be read.' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const receiver: ServerListReceiver = {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    latest: (host, port) => announces.get(keyOf(host, port)),
    waitFor(host, port, waitOptions = {}) {
      const accept = waitOptions.accept ?? (() => true);
      const current = announces.get(keyOf(host, port));
      if (current && accept(current)) return Promise.resolve(current);
      const timeoutMs = waitOptions.timeoutMs ?? 30_000;
      const { signal } = waitOptions;
      return new Promise((resolve, reject) => {
        const key = keyOf(host, port);
        const cleanup = () => {
          clearTimeout(timer);
          events.off('announce', listener);
          signal?.removeEventListener('abort', onAbort);
        };
        const listener = (received: ReceivedAnnounce) => {
          if (keyOf(received.source, received.announce.port) !== key || !accept(received)) return;
          cleanup();
          resolve(received);
        };
        const onAbort = () => {
          cleanup();
          reject(signal?.reason ?? new Error('Stopped waiting for an announce.'));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`No announce from ${host} for port ${port} arrived within ${timeoutMs} ms.`));
        }, timeoutMs);
        events.on('announce', listener);
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    on(event, listener) {
      events.on(event, listener);
      return receiver;
    },
    off(event, listener) {
      events.off(event, listener);
      return receiver;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return receiver;
}
