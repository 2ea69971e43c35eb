import { distance } from 'fastest-levenshtein';
import { getGame } from './games';
import { GAME_IDS, type GameId } from './ids';

/**
 * The game ids someone probably meant by `text`: those containing it (`minecraft` → both Minecrafts) or naming
 * it, else those a few typos away (`valhiem` → `valheim`), closest first; at most three.
 */
export function closestGameIds(text: string): GameId[] {
  const typed = text.trim().toLowerCase();
  if (typed === '') return [];
  const containing = GAME_IDS.filter(
    (id) => id.includes(typed) || getGame(id).name.toLowerCase().includes(typed),
  );
  if (containing.length > 0) return containing.slice(0, 3);
  const tolerance = Math.max(2, Math.floor(typed.length / 3));
  return GAME_IDS.map((id) => ({ id, far: distance(typed, id) }))
    .filter(({ far }) => far <= tolerance)
    .sort((a, b) => a.far - b.far)
    .slice(0, 3)
    .map(({ id }) => id);
}

/** The one sentence for a game id that is not in the catalog, naming what was typed and the likely ids. */
export function unknownGameMessage(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 39)}…` : text;
  const close = closestGameIds(text).map((id) => `\`${id}\``);
  if (close.length === 0) {
    return `There is no game \`${shown}\`; the games GuildServer can host are ${GAME_IDS.join(', ')}.`;
  }
  const options = close.length === 1 ? close[0] : `${close.slice(0, -1).join(', ')} or ${close.at(-1)}`;
  return `There is no game \`${shown}\`; did you mean ${options}?`;
}
