import type { Server } from '@guildserver/contracts';
import type { Asker } from '../../core/services.js';
import type { AutocompleteChoice, AutocompleteHandler } from '../types.js';

const MAX_CHOICES = 25;

/**
 * The servers this user may act on (their own; every one in the guild for admins), matching what was typed
 * (prefix matches first), at most 25. The value is the server id; the name shows game and state.
 */
export function serverChoices(
  servers: readonly Server[],
  asker: Pick<Asker, 'admin' | 'userId'>,
  typed: string,
): AutocompleteChoice[] {
  const text = typed.trim().toLowerCase();
  const mine = servers.filter((s) => s.state !== 'deleted' && (asker.admin || s.ownerId === asker.userId));
  const matching = mine.filter((s) => text === '' || s.name.includes(text));
  matching.sort(
    (a, b) =>
      Number(!a.name.startsWith(text)) - Number(!b.name.startsWith(text)) || a.name.localeCompare(b.name),
  );
  return matching
    .slice(0, MAX_CHOICES)
    .map((s) => ({ name: `${s.name} · ${s.game} · ${s.state}`.slice(0, 100), value: s.id }));
}

/** Whose servers the user may act on: their own, or every one in the guild for admins (undefined). */
export const ownerFilter = (asker: Asker) => (asker.admin ? undefined : asker.userId);

export const serverNameAutocomplete: AutocompleteHandler = {
  async answer(services, asker, typed) {
    const servers = await services.servers.all(asker.guildId, ownerFilter(asker), {
      timeoutMs: 1_500,
      acting: asker.acting,
    });
    return serverChoices(servers, asker, typed);
  },
  fallback(services, asker, typed) {
    return serverChoices(services.servers.cached(asker.guildId, ownerFilter(asker)) ?? [], asker, typed);
  },
};
