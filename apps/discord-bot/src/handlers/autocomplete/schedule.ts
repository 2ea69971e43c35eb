import type { Schedule } from '@guildserver/contracts';
import { scheduleLabel } from '../../rendering/schedules.js';
import type { AutocompleteChoice, AutocompleteHandler } from '../types.js';
import { cachedNamedServer, namedServerId } from './named-server.js';

const MAX_CHOICES = 25;

/**
 * The server's schedules whose name or id holds what was typed: `restart daily 04:30`, `backup every 6 h`;
 * the value is the schedule's id.
 */
export function scheduleChoices(schedules: readonly Schedule[], typed: string): AutocompleteChoice[] {
  const text = typed.trim().toLowerCase();
  return schedules
    .map((s) => ({ name: scheduleLabel(s), value: s.id }))
    .filter((c) => text === '' || c.name.toLowerCase().includes(text) || c.value.includes(text))
    .slice(0, MAX_CHOICES);
}

/** The `schedule` option: the schedules of the server already given in `name`. */
export const scheduleAutocomplete: AutocompleteHandler = {
  async answer(services, asker, typed, interaction) {
    const options = { acting: asker.acting, timeoutMs: 1_500 };
    const serverId = await namedServerId(services, asker, interaction, options);
    if (!serverId) return [];
    const { schedules } = await services.schedules.list(serverId, options);
    return scheduleChoices(schedules, typed);
  },
  fallback(services, asker, typed, interaction) {
    const server = cachedNamedServer(services, asker, interaction);
    return scheduleChoices((server && services.schedules.cached(server.id)) ?? [], typed);
  },
};
