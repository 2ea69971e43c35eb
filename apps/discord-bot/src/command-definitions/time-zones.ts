// The IANA time zones /server settings offers and reads: the runtime's own list (Intl), plus UTC.

let zones: readonly string[] | undefined;

/** Every zone the runtime knows (`Europe/Berlin`, ...), UTC first. */
export function timeZoneNames(): readonly string[] {
  zones ??= ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  return zones;
}

/** Lower-cased, with `_`, `-` and spaces alike: `new york` finds `America/New_York`. */
const folded = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .replace(/[_\s-]+/g, ' ');

/**
 * The zones holding what was typed, those whose city (or the zone) starts with it first, at most `limit`.
 */
export function matchingTimeZones(typed: string, limit = 25): string[] {
  const text = folded(typed);
  if (text === '') return timeZoneNames().slice(0, limit);
  const matching = timeZoneNames().filter((z) => folded(z).includes(text));
  const starts = (z: string) => {
    const name = folded(z);
    return name.startsWith(text) || name.slice(name.lastIndexOf('/') + 1).startsWith(text);
  };
  return [...matching.filter(starts), ...matching.filter((z) => !starts(z))].slice(0, limit);
}

/** The zone's own spelling when what was typed names one (`europe/berlin`); else as typed, for the API to judge. */
export function canonicalTimeZone(text: string): string {
  const typed = text.trim();
  const wanted = folded(typed);
  return timeZoneNames().find((z) => folded(z) === wanted) ?? typed;
}
