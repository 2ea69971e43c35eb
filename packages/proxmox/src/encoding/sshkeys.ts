/**
 * `sshkeys` is declared `format: urlencoded`: PVE URI-unescapes the value it receives, so the keys joined by
 * newlines must be `encodeURIComponent`-ed here and then form-encoded again by the body encoder. A `+` for a
 * space would survive PVE's unescaping and break the key, hence encodeURIComponent (which writes `%20`).
 */
export function encodeSshKeys(keys: string | readonly string[]): string {
  const list = (typeof keys === 'string' ? keys.split('\n') : keys)
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (list.length === 0) throw new TypeError('sshkeys needs at least one public key');
  return encodeURIComponent(list.join('\n'));
}
