// How a game image is marked at Proxmox: tags that say what it is (`guildserver;gs-image;game-<id>`) and a
// description line with its recipe hash. An operator who builds an image by hand writes the same (ansible/README.md).
import type { GameDefinition } from '@guildserver/games';
import { OUR_TAG } from '../pipeline/ownership.js';

/** A template GuildServer clones servers of one game from. */
export const IMAGE_TAG = 'gs-image';
/** A spare VM kept ready for a create (the warm pool). */
export const POOL_TAG = 'gs-pool';
/** `gs-` tags that name no server: never read as `gs-<server id>`. */
export const RESERVED_GS_TAGS: readonly string[] = [IMAGE_TAG, POOL_TAG];

export const gameTag = (gameId: string) => `game-${gameId}`.toLowerCase();

export const imageTags = (gameId: string): string[] => [OUR_TAG, IMAGE_TAG, gameTag(gameId)];

const RECIPE_LINE = /^guildserver-image game=([a-z0-9-]+) recipe=([0-9a-f]{16})$/m;

export const recipeLine = (gameId: string, recipeHash: string) =>
  `guildserver-image game=${gameId} recipe=${recipeHash}`;

export function describeImage(game: Pick<GameDefinition, 'id' | 'name'>, recipeHash: string): string {
  return [
    `GuildServer game image: ${game.name}, installed and sealed (no server of its own).`,
    'Managed by GuildServer: servers are linked clones of it, so it stays while any of them exists.',
    recipeLine(game.id, recipeHash),
  ].join('\n');
}

/** The game and recipe an image's description names, if it has the line. */
export function recipeOf(
  description: string | number | undefined,
): { game: string; recipe: string } | undefined {
  const match = RECIPE_LINE.exec(String(description ?? ''));
  return match ? { game: match[1]!, recipe: match[2]! } : undefined;
}
