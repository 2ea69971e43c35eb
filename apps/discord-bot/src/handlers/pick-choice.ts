// What an autocompleted option means once the command is sent: the item whose id autocomplete gave, or the
// one item whose choice holds what was typed by hand.
import type { AutocompleteChoice } from './types.js';

export function pickChoice<T extends { id: string }>(
  items: readonly T[],
  text: string,
  choicesOf: (items: readonly T[], typed: string) => AutocompleteChoice[],
): T | undefined {
  const typed = text.trim();
  const exact = items.find((item) => item.id === typed);
  if (exact) return exact;
  const matching = typed === '' ? [] : choicesOf(items, typed);
  return matching.length === 1 ? items.find((item) => item.id === matching[0]?.value) : undefined;
}
