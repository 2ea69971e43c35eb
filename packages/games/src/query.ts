import type { GameDefinition } from './types';

/**
 * The game's readiness probe logs in over Source RCON (Factorio): the playbook must set the server's RCON
 * password and the probe must send the same one.
 */
export function queriedOverRcon(game: Pick<GameDefinition, 'query'>): boolean {
  return game.query.kind === 'probe' && game.query.protocol === 'source-rcon';
}
