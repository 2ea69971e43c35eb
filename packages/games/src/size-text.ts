import type { Resources } from './types';

export const SIZE_KEYS = ['cores', 'memory', 'disk'] as const;
export type SizeKey = (typeof SIZE_KEYS)[number];

/** What `parseSizeText` read: the size, or why the text is not one. */
export type SizeText =
  | { size: Partial<Resources> }
  | { problem: 'form' }
  | { problem: 'repeated'; key: SizeKey };

const ENTRY = /^(cores|memory|disk)=(\d{1,9})$/i;

/**
 * `cores=4,memory=8192,disk=32`: any of the three, in any order, separated by commas or spaces, spaces
 * allowed around `=` (memory in MiB, disk in GiB). The bounds are the caller's to check.
 */
export function parseSizeText(text: string): SizeText {
  const size: Partial<Resources> = {};
  const entries = text
    .trim()
    .replace(/\s*=\s*/g, '=')
    .split(/\s*,\s*|\s+/);
  for (const entry of entries) {
    const match = ENTRY.exec(entry);
    if (!match) return { problem: 'form' };
    const key = match[1]!.toLowerCase() as SizeKey;
    if (size[key] !== undefined) return { problem: 'repeated', key };
    size[key] = Number(match[2]);
  }
  return { size };
}
