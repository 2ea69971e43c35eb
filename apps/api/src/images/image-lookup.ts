// Which game images Proxmox holds, read from Proxmox itself (templates with our image tags), and which one a
// create of a game should clone: the image of that game whose recipe is today's.
import type { GameImage, ImageList } from '@guildserver/contracts';
import { GAMES, type GameDefinition, getGame } from '@guildserver/games';
import { decodeTags, type ProxmoxClient } from '@guildserver/proxmox';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config.js';
import type { GameImageRef } from '../domain/jobs.js';
import { REPO_ANSIBLE_DIR } from '../pipeline/game/ansible-dir.js';
import { OUR_TAG } from '../pipeline/ownership.js';
import { gameTag, IMAGE_TAG, imageTags, recipeLine, recipeOf } from './image-marks.js';
import { gameRecipe } from './recipe.js';

export interface ImageLookupDeps {
  proxmox: ProxmoxClient;
  config: Pick<ApiConfig, 'proxmox'>;
  /** Default: the repository's ansible/ folder. */
  ansibleDir?: string;
}

/** Today's recipe hash of each game, for the base template as Proxmox has it now. */
export async function currentRecipes(deps: ImageLookupDeps): Promise<(game: GameDefinition) => string> {
  const { node, baseImageVmid } = deps.config.proxmox;
  const base = await deps.proxmox.qemu.getConfig({ node, vmid: baseImageVmid });
  const ansibleDir = deps.ansibleDir ?? REPO_ANSIBLE_DIR;
  const known = new Map<string, string>();
  return (game) => {
    let hash = known.get(game.id);
    if (hash === undefined) {
      hash = gameRecipe(game, ansibleDir, { vmid: baseImageVmid, digest: String(base.digest ?? '') }).hash;
      known.set(game.id, hash);
    }
    return hash;
  };
}

/** Every game image Proxmox holds, oldest VM id first, each marked current or not. */
export async function listGameImages(deps: ImageLookupDeps): Promise<GameImage[]> {
  const resources = await deps.proxmox.cluster.resources('vm');
  const candidates = resources.filter((r) => {
    const tags = decodeTags(r.tags);
    return r.template === 1 && r.vmid !== undefined && tags.includes(OUR_TAG) && tags.includes(IMAGE_TAG);
  });
  if (candidates.length === 0) return [];
  const recipeFor = await currentRecipes(deps);
  const images: GameImage[] = [];
  for (const r of candidates.sort((a, b) => a.vmid! - b.vmid!)) {
    const node = r.node ?? deps.config.proxmox.node;
    const config = await deps.proxmox.qemu.getConfig({ node, vmid: r.vmid! });
    const marked = recipeOf(config.description);
    const tagged = decodeTags(r.tags).find((t) => t.startsWith('game-'));
    const gameId = marked?.game ?? tagged?.slice('game-'.length) ?? '';
    const game = getGame(gameId);
    const recipe = marked?.recipe ?? null;
    const current =
      game !== undefined && tagged === gameTag(game.id) && recipe !== null && recipe === recipeFor(game);
    images.push({ vmid: r.vmid!, node, name: r.name ?? null, game: gameId, recipe, current });
  }
  return images;
}

/**
 * The image a create of `game` clones: its current one on the node servers are made on (the newest, if
 * several), or none.
 */
export async function currentImageOf(
  deps: ImageLookupDeps,
  game: GameDefinition,
): Promise<GameImage | undefined> {
  const images = await listGameImages(deps);
  return images
    .filter((image) => image.game === game.id && image.current && image.node === deps.config.proxmox.node)
    .at(-1);
}

/** GET /v1/images: the images Proxmox holds, and what marks an image of each game current today. */
export async function imageList(deps: ImageLookupDeps): Promise<Omit<ImageList, 'builds'>> {
  const [images, recipeFor] = await Promise.all([listGameImages(deps), currentRecipes(deps)]);
  return {
    images,
    recipes: GAMES.map((game) => {
      const recipe = recipeFor(game);
      return {
        game: game.id,
        recipe,
        tags: imageTags(game.id),
        descriptionLine: recipeLine(game.id, recipe),
      };
    }),
  };
}

/**
 * ServerServicePorts.currentImage: the game's current image as a job names it. A lookup Proxmox cannot answer
 * means the full install (the create works without an image), with a warning in the log.
 */
export function currentImageFinder(deps: ImageLookupDeps & { logger: Logger }) {
  return async (game: GameDefinition): Promise<GameImageRef | undefined> => {
    try {
      const image = await currentImageOf(deps, game);
      return image && image.recipe !== null
        ? { vmid: image.vmid, node: image.node, recipe: image.recipe }
        : undefined;
    } catch (error) {
      deps.logger.warn(
        { err: error, game: game.id },
        'could not look for a game image; installing from the base template',
      );
      return undefined;
    }
  };
}
