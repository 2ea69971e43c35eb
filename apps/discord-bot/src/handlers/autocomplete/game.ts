import type { Game } from '../../api/caches.js';
import type { AutocompleteChoice, AutocompleteHandler } from '../types.js';

const MAX_CHOICES = 25;

export function gameChoices(games: readonly Game[], typed: string): AutocompleteChoice[] {
  const text = typed.trim().toLowerCase();
  return games
    .filter((g) => text === '' || g.id.includes(text) || g.name.toLowerCase().includes(text))
    .slice(0, MAX_CHOICES)
    .map((g) => ({
      name: `${g.name} (${g.defaultSize.cores} cores, ${g.defaultSize.memory} MiB)`.slice(0, 100),
      value: g.id,
    }));
}

/** create's game option: the catalog, filtered by what was typed. */
export const gameAutocomplete: AutocompleteHandler = {
  async answer(services, _asker, typed) {
    return gameChoices(await services.catalog.list(1_500), typed);
  },
  fallback(services, _asker, typed) {
    return gameChoices(services.catalog.cached() ?? [], typed);
  },
};
