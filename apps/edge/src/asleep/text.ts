// Small text helpers for protocols with narrow string rules.

const ASCII_LOOKALIKES: Record<string, string> = {
  '—': '-',
  '–': '-',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '…': '...',
  '\u00a0': ' ',
};

/** Printable ASCII only: for Quake 3's latin1 info strings; dashes and quotes become their ASCII cousins. */
export function toAscii(text: string): string {
  return [...text]
    .map((char) => ASCII_LOOKALIKES[char] ?? char)
    .join('')
    .replace(/[^\x20-\x7e]/g, '');
}

/** At most `maxBytes` of UTF-8, never cutting a character in two. */
export function utf8Prefix(text: string, maxBytes: number): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
