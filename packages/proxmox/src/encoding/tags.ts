const TAG = /^[a-z0-9_][a-z0-9_\-+.]*$/i;

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** PVE's `pve-tag-list`: tags joined with `;` (its own listings use `;` too). */
export function encodeTags(tags: readonly string[]): string {
  for (const tag of tags) {
    if (!isValidTag(tag))
      throw new TypeError(`invalid tag "${tag}": use letters, digits, _ - + . (not first)`);
  }
  return tags.join(';');
}

/** Reads a tag list as PVE returns it (`;`, `,` or space separated). */
export function decodeTags(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(/[;,\s]+/).filter((t) => t !== '');
}
