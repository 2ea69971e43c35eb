// Telling that a game answers, and how many play. `simulated` answers at once; `reachability` is the interim
// real probe (a TCP connect, or a UDP datagram not refused) until the query protocols of each game (gamedig
// and the catalog's probes) are implemented — it proves the port is open, not that the game is healthy, and
// reports 0 players online.
import { createSocket } from 'node:dgram';
import { Socket } from 'node:net';
import type { GameDefinition } from '@guildserver/games';

export interface PlayerCount {
  online: number;
  max: number;
}

export interface GameProbeRequest {
  game: GameDefinition;
  /** The VM's own address: the worker reaches the game where it listens, on its guest port. */
  ipv4: string;
  signal: AbortSignal;
}

export interface GameProbe {
  readonly kind: string;
  /** The player count when the game answers; undefined while it does not (yet). */
  query(request: GameProbeRequest): Promise<PlayerCount | undefined>;
}

/** The game's default `maxPlayers` setting, or 0 when it has none. */
export function defaultMaxPlayers(game: GameDefinition): number {
  const setting = game.settings.find((s) => s.key === 'maxPlayers');
  return setting?.type === 'integer' ? setting.default : 0;
}

export function createSimulatedGameProbe(): GameProbe {
  return {
    kind: 'simulated',
    query: async ({ game }) => ({ online: 0, max: defaultMaxPlayers(game) }),
  };
}

export interface ReachabilityOptions {
  /** How long one attempt may take. Default 3 s. */
  attemptTimeoutMs?: number;
}

/**
 * TCP: the query port accepts a connection. UDP: a datagram (the catalog's own hello when it has one) draws no
 * ICMP "port unreachable" within the attempt time — or draws an answer.
 */
export function createReachabilityProbe(options: ReachabilityOptions = {}): GameProbe {
  const timeoutMs = options.attemptTimeoutMs ?? 3_000;
  return {
    kind: 'reachability',
    async query({ game, ipv4, signal }) {
      const { port, transport } = game.query;
      const hello = 'requestHex' in game.query ? Buffer.from(game.query.requestHex, 'hex') : Buffer.alloc(1);
      const open =
        transport === 'tcp'
          ? await tcpOpen(ipv4, port, timeoutMs, signal)
          : await udpOpen(ipv4, port, hello, timeoutMs, signal);
      return open ? { online: 0, max: defaultMaxPlayers(game) } : undefined;
    },
  };
}

function tcpOpen(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (open: boolean) => {
      socket.destroy();
      signal.removeEventListener('abort', abort);
      resolve(open);
    };
    const abort = () => done(false);
    signal.addEventListener('abort', abort, { once: true });
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

function udpOpen(
  host: string,
  port: number,
  hello: Buffer,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    let settled = false;
    const done = (open: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
      socket.close();
      resolve(open);
    };
    const abort = () => done(false);
    signal.addEventListener('abort', abort, { once: true });
    // A connected UDP socket reports the ICMP refusal as ECONNREFUSED.
    socket.once('error', () => done(false));
    socket.once('message', () => done(true));
    const timer = setTimeout(() => done(true), timeoutMs);
    socket.connect(port, host, () => socket.send(hello, (error) => error && done(false)));
  });
}
