// Telling that a game answers, and how many play. `query` asks the game itself, the way its catalog entry says
// (@guildserver/game-query: gamedig, Luanti's UDP handshake, Factorio's RCON); `simulated` answers at once
// while Proxmox is the simulator and there is no VM to reach.
import { defaultMaxPlayers, GameQueryError, type PlayerCount, queryGame } from '@guildserver/game-query';
import type { GameDefinition, PortSpec } from '@guildserver/games';
import type { GamePort } from './game-runner.js';
import type { GameSecrets } from './game-secrets.js';

export type { PlayerCount } from '@guildserver/game-query';
export { defaultMaxPlayers } from '@guildserver/game-query';

export interface GameProbeRequest {
  game: GameDefinition;
  server: { id: string; name: string };
  /** The VM's own address: the worker reaches the game where it listens, on its guest port. */
  ipv4: string;
  /** The catalog's query port as the server's guest port (`guestQueryPort`). */
  port: number;
  /** How long this one probe may take. */
  timeoutMs: number;
  signal: AbortSignal;
}

export type GameProbeResult =
  | {
      up: true;
      /** Undefined when the game cannot tell (Luanti before its first server-list announce). */
      players: PlayerCount | undefined;
      /** The name the game reports for itself. */
      name?: string;
    }
  | {
      up: false;
      /** One sentence: why not (yet). */
      reason: string;
      /** Waiting longer cannot help (the game refused our RCON password). */
      final?: boolean;
    };

export interface GameProbe {
  readonly kind: string;
  query(request: GameProbeRequest): Promise<GameProbeResult>;
}

export function createSimulatedGameProbe(): GameProbe {
  return {
    kind: 'simulated',
    query: async ({ game }) => ({ up: true, players: { online: 0, max: defaultMaxPlayers(game) } }),
  };
}

function covers(spec: PortSpec, port: number, transport: 'tcp' | 'udp'): boolean {
  const protocolFits = spec.protocol === 'both' || spec.protocol === transport;
  return protocolFits && port >= spec.defaultPort && port < spec.defaultPort + spec.count;
}

/**
 * Where the game answers its query inside the VM: the catalog's query port is one of its default ports; the
 * server's port row with that guest port and protocol is where the VM listens (guest ports are the catalog's
 * defaults today, so this is the same number, but it is read from the server's rows). A port only our tools
 * use (RCON) has no row and is always the catalog's default.
 */
export function guestQueryPort(game: GameDefinition, ports: readonly GamePort[]): number {
  const { port, transport } = game.query;
  const spec = game.ports.find((p) => covers(p, port, transport));
  if (!spec?.public) return port;
  const exact = ports.find((p) => p.guestPort === port && p.protocol === transport);
  if (exact) return exact.guestPort;
  // Guest ports moved away from the defaults: the row of the same slot (purpose, place in its run).
  const purpose = spec.count > 1 ? `${spec.purpose}-${port - spec.defaultPort + 1}` : spec.purpose;
  const same = ports.filter((p) => p.purpose === purpose && p.protocol === transport);
  return same.length === 1 ? same[0]!.guestPort : port;
}

export interface QueryProbeOptions {
  /** Secrets the games' queries need (Factorio's RCON password). */
  secrets: GameSecrets;
  /** What the server reported itself (Luanti's server-list announces, stored on the server row). */
  reportedPlayers?: (serverId: string) => PlayerCount | undefined;
  /** How long one query may take at most. Default 3 s. */
  attemptTimeoutMs?: number;
}

export function createQueryGameProbe(options: QueryProbeOptions): GameProbe {
  const attemptMs = options.attemptTimeoutMs ?? 3_000;
  return {
    kind: 'query',
    async query({ game, server, ipv4, port, timeoutMs, signal }) {
      const rcon = game.query.kind === 'probe' && game.query.protocol === 'source-rcon';
      try {
        const answer = await queryGame(game, ipv4, {
          port,
          timeoutMs: Math.max(1, Math.min(attemptMs, timeoutMs)),
          signal,
          ...(rcon ? { rconPassword: options.secrets.rconPassword(server.id) } : {}),
        });
        return {
          up: true,
          players: answer.players ?? options.reportedPlayers?.(server.id),
          ...(answer.name !== undefined ? { name: answer.name } : {}),
        };
      } catch (error) {
        if (!(error instanceof GameQueryError)) throw error;
        return {
          up: false,
          reason: error.message,
          ...(error.reason === 'auth_failed' ? { final: true } : {}),
        };
      }
    },
  };
}
