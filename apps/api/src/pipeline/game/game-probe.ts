// Telling that a game answers, and how many play. `query` asks the game itself, the way its catalog entry says
// (@guildserver/game-query: gamedig, Luanti's UDP handshake, Factorio's RCON); `simulated` answers at once
// while Proxmox is the simulator and there is no VM to reach.
import { defaultMaxPlayers, GameQueryError, type PlayerCount, queryGame } from '@guildserver/game-query';
import { type GameDefinition, gamePorts, queriedOverRcon } from '@guildserver/games';
import type { ServerPort } from '../../domain/server-ports.js';
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
      /** The game's own version as it reports it (OpenTTD's revision), when its protocol carries one. */
      version?: string;
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

/**
 * Where the game answers its query inside the VM: the catalog's query port is one of the game's ports; the
 * server's port of the same purpose, index and protocol says where the VM listens (guest ports are the
 * catalog's defaults today, so this is the same number, but it is read from the server's ports). A port only
 * our tools use (RCON) is not allocated and is always the catalog's default.
 */
export function guestQueryPort(game: GameDefinition, ports: readonly ServerPort[]): number {
  const { port, transport } = game.query;
  const queried = gamePorts(game).find((p) => p.guestPort === port && p.protocol === transport);
  if (!queried?.published) return port;
  const allocated = ports.find(
    (p) => p.purpose === queried.purpose && p.index === queried.index && p.protocol === transport,
  );
  return allocated?.guestPort ?? port;
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
      try {
        const answer = await queryGame(game, ipv4, {
          port,
          timeoutMs: Math.max(1, Math.min(attemptMs, timeoutMs)),
          signal,
          ...(queriedOverRcon(game) ? { rconPassword: options.secrets.rconPassword(server.id) } : {}),
        });
        return {
          up: true,
          players: answer.players ?? options.reportedPlayers?.(server.id),
          ...(answer.name !== undefined ? { name: answer.name } : {}),
          ...(answer.version !== undefined ? { version: answer.version } : {}),
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
