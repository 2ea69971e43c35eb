import { CATALOG } from './catalog/index';
import { GAME_IDS, type GameId } from './ids';
import type { GameDefinition } from './types';

/** Frozen all the way down: a consumer cannot change the catalog for everyone else. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

deepFreeze(CATALOG);

/** Every game, in catalog order. */
export const GAMES: readonly GameDefinition[] = Object.freeze(GAME_IDS.map((id) => CATALOG[id]));

/** The game with this id; for text from outside, `undefined` when no game has it. */
export function getGame(id: GameId): GameDefinition;
export function getGame(id: string): GameDefinition | undefined;
export function getGame(id: string): GameDefinition | undefined {
  return Object.hasOwn(CATALOG, id) ? CATALOG[id as GameId] : undefined;
}
