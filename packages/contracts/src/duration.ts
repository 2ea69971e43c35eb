// Lengths of time as admins and owners type them (`90s`, `30m`, `2h`, `1d`), read by the `ms` library. A unit is
// required: a bare `30` is refused rather than read as 30 milliseconds.
import ms from 'ms';

/** Milliseconds, or undefined when the text is not a length of time with a unit. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d+(?:\.\d+)?\s*[a-z]+$/i.test(trimmed)) return undefined;
  const value = ms(trimmed as ms.StringValue);
  return Number.isFinite(value) && value > 0 ? Math.round(value) : undefined;
}

const UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
];

/** The exact text for a length of time in the largest unit that divides it: 5400000 is `90m`, never `2h`. */
export function formatDuration(milliseconds: number): string {
  for (const [unit, size] of UNITS)
    if (milliseconds >= size && milliseconds % size === 0) return `${milliseconds / size}${unit}`;
  return `${milliseconds}ms`;
}
