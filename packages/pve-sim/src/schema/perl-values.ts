// Perl's notions of truth, numbers and lists, as PVE::JSONSchema relies on them.

export function perlTrue(v: unknown): boolean {
  return !(v === undefined || v === null || v === '' || v === '0' || v === 0 || v === false);
}

// Perl's `$` also matches before a trailing newline, hence `\n?`.
export function isInteger(v: string): boolean {
  return /^[+-]?\d+\n?$/.test(v);
}

export function isNumber(v: string): boolean {
  return /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?\n?$/.test(v);
}

/** PVE::Tools::split_list: NUL-separated if any NUL, else on commas, semicolons and whitespace. */
export function splitList(text: string): string[] {
  if (text.includes('\0')) return dropTrailingEmpty(text.split('\0'));
  const spaced = text.replace(/[,;]/g, ' ').replace(/^\s+/, '');
  return spaced === '' ? [] : dropTrailingEmpty(spaced.split(/\s+/));
}

/** PVE::JSONSchema::parse_boolean. */
export function parseBoolean(v: string): 0 | 1 | undefined {
  if (/^(1|on|yes|true)$/i.test(v)) return 1;
  if (/^(0|off|no|false)$/i.test(v)) return 0;
  return undefined;
}

function dropTrailingEmpty(parts: string[]): string[] {
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}
