// One encoder for query strings and `application/x-www-form-urlencoded` bodies.

export type FormScalar = string | number | boolean;
export type FormValue = FormScalar | readonly FormScalar[] | undefined | null;
export type FormParams = Record<string, FormValue>;

/** PVE wants booleans as 0/1; `true`/`True` fail its type check on some versions. */
export function encodeScalar(value: FormScalar): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot send non-finite number ${value}`);
    return String(value);
  }
  return value;
}

/**
 * Percent-encodes with `%20` for spaces (never `+`), which is valid form encoding and keeps values that PVE
 * decodes with plain URI-unescaping intact. Undefined and null values are left out; arrays repeat the key.
 */
export function encodeForm(params: FormParams): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    const values = Array.isArray(value) ? value : [value as FormScalar];
    for (const v of values) pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(encodeScalar(v))}`);
  }
  return pairs.join('&');
}
