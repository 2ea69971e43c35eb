import { type Backup, SERVER_ID_PATTERN, type Server } from '@guildserver/contracts';
import type { AutocompleteInteraction } from 'discord.js';
import { normaliseName } from '../../command-definitions/options.js';
import { backupLabel } from '../../rendering/backups.js';
import type { AutocompleteChoice, AutocompleteHandler } from '../types.js';
import { ownerFilter } from './server-name.js';

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

/** The server the `name` option holds (an id picked, or a name typed), among the servers listed. */
function serverIn(servers: readonly Server[] | undefined, text: string): Server | undefined {
  const name = normaliseName(text);
  return servers?.find((s) => s.id === text || s.name === name);
}

const nameTyped = (interaction: AutocompleteInteraction) => interaction.options.getString('name') ?? '';

/** The `backup` option: the backups of the server already given in `name`. */
export const backupAutocomplete: AutocompleteHandler = {
  async answer(services, asker, typed, interaction) {
    const text = nameTyped(interaction);
    const options = { acting: asker.acting, timeoutMs: 1_500 };
    // An id picked from the list is asked for directly (the API checks the user may read it).
    const serverId = SERVER_ID_PATTERN.test(text)
      ? text
      : serverIn(await services.servers.all(asker.guildId, ownerFilter(asker), options), text)?.id;
    if (!serverId) return [];
    const { backups } = await services.backups.list(serverId, options);
    return backupChoices(backups, typed, services.now());
  },
  fallback(services, asker, typed, interaction) {
    // Only for a server in the user's own list: the backups cache is not a permission check.
    const server = serverIn(
      services.servers.cached(asker.guildId, ownerFilter(asker)),
      nameTyped(interaction),
    );
    return backupChoices((server && services.backups.cached(server.id)) ?? [], typed, services.now());
  },
};
