import type { GameDefinition } from './types';

/**
 * The game's readiness probe logs in over Source RCON (Factorio): the playbook must set the server's RCON
 * password and the probe must send the same one.
 */
export function queriedOverRcon(game: Pick<GameDefinition, 'query'>): boolean {
  return game.query.kind === 'probe' && game.query.protocol === 'source-rcon';
}

/** Whether the playbook is given GuildServer's per-server RCON password: the probe or the backup hold uses it. */
export function usesServerRconSecret(game: Pick<GameDefinition, 'query' | 'backup'>): boolean {
  const { hold } = game.backup;
  return queriedOverRcon(game) || (hold.kind === 'rcon' && hold.password === 'server-secret');
}
