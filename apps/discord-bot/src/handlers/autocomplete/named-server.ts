// The server an autocomplete's `name` option already holds, for the options that list what that server has
// (its backups, its schedules).

import type { Acting } from '@guildserver/api-client';
import { SERVER_ID_PATTERN, type Server } from '@guildserver/contracts';
import type { AutocompleteInteraction } from 'discord.js';
import { normaliseName } from '../../command-definitions/options.js';
import type { Asker, BotServices } from '../../core/services.js';
import { ownerFilter } from './server-name.js';

/** The server the `name` option holds (an id picked, or a name typed), among the servers listed. */
function serverIn(servers: readonly Server[] | undefined, text: string): Server | undefined {
  const name = normaliseName(text);
  return servers?.find((s) => s.id === text || s.name === name);
}

const nameTyped = (interaction: AutocompleteInteraction) => interaction.options.getString('name') ?? '';

/** The id of the server in `name`, or undefined before one is given (or when the user may not act on it). */
export async function namedServerId(
  services: BotServices,
  asker: Asker,
  interaction: AutocompleteInteraction,
  options: { acting: Acting; timeoutMs: number },
): Promise<string | undefined> {
  const text = nameTyped(interaction);
  // An id picked from the list is asked for directly (the API checks the user may read it).
  if (SERVER_ID_PATTERN.test(text)) return text;
  return serverIn(await services.servers.all(asker.guildId, ownerFilter(asker), options), text)?.id;
}

/**
 * At the deadline: the server in `name`, only when the user's own server list as last read holds it (what is
 * cached per server is not a permission check).
 */
export function cachedNamedServer(
  services: BotServices,
  asker: Asker,
  interaction: AutocompleteInteraction,
): Server | undefined {
  return serverIn(services.servers.cached(asker.guildId, ownerFilter(asker)), nameTyped(interaction));
}
