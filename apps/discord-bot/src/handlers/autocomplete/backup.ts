import type { Backup } from '@guildserver/contracts';
import { backupLabel } from '../../rendering/backups.js';
import type { AutocompleteChoice, AutocompleteHandler } from '../types.js';
import { cachedNamedServer, namedServerId } from './named-server.js';

const MAX_CHOICES = 25;

/**
 * The server's backups, newest first (as the API lists them), whose name or id holds what was typed, at most
 * 25. The value is the backup's id; the name says when (UTC), how big, why, and 📌 when pinned.
 */
export function backupChoices(backups: readonly Backup[], typed: string, now: number): AutocompleteChoice[] {
  const text = typed.trim().toLowerCase();
  return backups
    .map((b) => ({ name: backupLabel(b, now), value: b.id }))
    .filter((c) => text === '' || c.name.toLowerCase().includes(text) || c.value.includes(text))
    .slice(0, MAX_CHOICES);
}

/** The `backup` option: the backups of the server already given in `name`. */
export const backupAutocomplete: AutocompleteHandler = {
  async answer(services, asker, typed, interaction) {
    const options = { acting: asker.acting, timeoutMs: 1_500 };
    const serverId = await namedServerId(services, asker, interaction, options);
    if (!serverId) return [];
    const { backups } = await services.backups.list(serverId, options);
    return backupChoices(backups, typed, services.now());
  },
  fallback(services, asker, typed, interaction) {
    const server = cachedNamedServer(services, asker, interaction);
    return backupChoices((server && services.backups.cached(server.id)) ?? [], typed, services.now());
  },
};
