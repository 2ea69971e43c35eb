// One entry point for every game of the catalog: its QuerySpec says which protocol answers.
import type { GameDefinition } from '@guildserver/games';
import { queryGamedig } from './gamedig-query.js';
import { queryLuantiHello } from './luanti-hello.js';
import { querySourceRcon } from './source-rcon.js';
import { abortedError, type QueryTarget } from './target.js';
import type { GameAnswer, QueryOptions } from './types.js';

export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;

/** The game's default `maxPlayers` setting, or 0 when it has none. */
export function defaultMaxPlayers(game: GameDefinition): number {
  const setting = game.settings.find((s) => s.key === 'maxPlayers');
  return setting?.type === 'integer' ? setting.default : 0;
}

/**
 * Asks the game on `host` whether it is up and how many play, the way its catalog entry says: gamedig, Luanti's
 * UDP handshake, or Source RCON. Rejects with a GameQueryError (one sentence, and a `reason`) when it does not
 * answer within `timeoutMs`.
 */
export async function queryGame(
  game: GameDefinition,
  host: string,
  options: QueryOptions = {},
): Promise<GameAnswer> {
  const target: QueryTarget = {
    game,
    host,
    port: options.port ?? game.query.port,
    timeoutMs: options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    signal: options.signal,
  };
  if (options.signal?.aborted) throw abortedError(target);
  const query = game.query;
  switch (query.kind) {
    case 'gamedig':
      return queryGamedig(target, query.type);
    case 'probe':
      switch (query.protocol) {
        case 'luanti-hello':
          return queryLuantiHello(target, query.requestHex);
        case 'source-rcon':
          return querySourceRcon(
            target,
            query.command,
            options.rconPassword,
            options.maxPlayers ?? defaultMaxPlayers(game),
          );
      }
  }
}
