import { matchingTimeZones } from '../../command-definitions/time-zones.js';
import type { AutocompleteChoice, AutocompleteHandler } from '../types.js';

/** The zones holding what was typed (`berlin`, `new york`, `America/`), at most 25. */
export function timeZoneChoices(typed: string): AutocompleteChoice[] {
  return matchingTimeZones(typed).map((zone) => ({ name: zone, value: zone }));
}

/** /server settings' `time-zone`: the runtime's own list, no API call. */
export const timeZoneAutocomplete: AutocompleteHandler = {
  answer: async (_services, _asker, typed) => timeZoneChoices(typed),
  fallback: (_services, _asker, typed) => timeZoneChoices(typed),
};
