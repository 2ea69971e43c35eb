// `gs query <game> <address>`: asks a game server whether it answers, the way a player's client finds it — for
// an admin checking that the address Discord shows leads to the game (router, edge) from wherever `gs` runs.
// It needs no API: only the game's catalog entry and the network.
import { DEFAULT_QUERY_TIMEOUT_MS, GameQueryError, queryGame } from '@guildserver/game-query';
import { getGame, isGameId, unknownGameMessage } from '@guildserver/games';
import { CliError } from '../errors.js';
import { type CommandContext, printJson, say } from './context.js';
import type { JsonOption } from './servers.js';

export interface QueryOptions extends JsonOption {
  /** Seconds the game may take to answer. */
  timeout?: number;
}

/** `host`, `host:port` or `[v6]:port`; the port defaults to the game's query port. */
export function parseAddress(text: string, defaultPort: number): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text.trim());
  const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
  if (!match || port < 1 || port > 65_535) {
    throw new CliError(
      `"${text}" is not an address: give host or host:port, such as play.example.net:20001 (the port from 1 to 65535).`,
      'invalid_request',
    );
  }
  return { host: (match[1] ?? match[2])!, port };
}

export async function queryAddress(
  ctx: CommandContext,
  gameId: string,
  address: string,
  options: QueryOptions,
): Promise<number> {
  if (!isGameId(gameId)) throw new CliError(unknownGameMessage(gameId), 'unknown_game');
  const game = getGame(gameId);
  const { host, port } = parseAddress(address, game.query.port);
  const timeoutMs = options.timeout === undefined ? DEFAULT_QUERY_TIMEOUT_MS : options.timeout * 1000;
  try {
    const answer = await queryGame(game, host, { port, timeoutMs });
    if (options.json) {
      printJson(ctx, {
        game: game.id,
        host,
        port,
        answered: true,
        name: answer.name ?? null,
        map: answer.map ?? null,
        players: answer.players ?? null,
        pingMs: answer.pingMs ?? null,
      });
    } else {
      const players = answer.players ? `${answer.players.online}/${answer.players.max} players` : undefined;
      const about = [answer.name && `"${answer.name}"`, answer.map && `map ${answer.map}`, players]
        .filter(Boolean)
        .join(', ');
      say(ctx, `${game.name} answers at ${host}:${port}${about ? `: ${about}` : ''}.`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof GameQueryError)) throw error;
    if (options.json) {
      printJson(ctx, {
        game: game.id,
        host,
        port,
        answered: false,
        reason: error.reason,
        message: error.message,
      });
    } else ctx.err(error.message);
    return 1;
  }
}
