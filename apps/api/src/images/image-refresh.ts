// Keeping game images current, hourly (the `system:image-refresh` job scheduler): a game that has an image at
// Proxmox (an admin built one, so it is wanted) is built again when none is of today's recipe (its playbook, a
// role it uses or the base template changed), and when the image GuildServer built is IMAGE_REBUILD_DAYS old,
// so game and package updates reach new servers. Games without an image are left alone: building is opt-in.
import type { GameImage, ImageBuildReason } from '@guildserver/contracts';
import { getGame } from '@guildserver/games';
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { imageBuilds } from '../db/schema.js';
import type { ImageBuildService } from './image-build-service.js';
import { currentRecipes, type ImageLookupDeps, listGameImages } from './image-lookup.js';

export interface DueBuild {
  game: string;
  reason: ImageBuildReason;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * The games to build now. `builtAt`: when GuildServer finished building the image at that VM id (undefined for
 * one built by hand, which is only replaced when its recipe changes). `rebuildDays` 0: never by age.
 */
export function imagesDue(
  images: readonly GameImage[],
  builtAt: (vmid: number) => number | undefined,
  rebuildDays: number,
  now: number,
): DueBuild[] {
  const due: DueBuild[] = [];
  for (const game of new Set(images.map((image) => image.game))) {
    if (!getGame(game)) continue;
    const current = images.filter((image) => image.game === game && image.current).at(-1);
    if (!current) {
      due.push({ game, reason: 'recipe_changed' });
      continue;
    }
    const built = builtAt(current.vmid);
    if (rebuildDays > 0 && built !== undefined && now - built >= rebuildDays * DAY_MS)
      due.push({ game, reason: 'schedule' });
  }
  return due;
}

/** When the last successful build of the image at this VM id finished. */
function builtAtOf(db: Db, vmid: number): number | undefined {
  const row = db
    .select({ finishedAt: imageBuilds.finishedAt })
    .from(imageBuilds)
    .where(and(eq(imageBuilds.vmid, vmid), eq(imageBuilds.state, 'succeeded')))
    .orderBy(desc(imageBuilds.finishedAt))
    .get();
  return row?.finishedAt ? Date.parse(row.finishedAt) : undefined;
}

export interface ImageRefreshDeps extends ImageLookupDeps {
  db: Db;
  builds: Pick<ImageBuildService, 'requestFor'>;
  rebuildDays: number;
  now?: () => number;
}

/** The game's latest build failed on the recipe of today: building it again hourly would fail the same way. */
function failedOnRecipe(db: Db, game: string, recipe: string): boolean {
  const last = db
    .select({ state: imageBuilds.state, recipe: imageBuilds.recipe })
    .from(imageBuilds)
    .where(eq(imageBuilds.game, game))
    .orderBy(desc(imageBuilds.createdAt))
    .get();
  return last?.state === 'failed' && last.recipe === recipe;
}

/** Queues the builds due; one sentence saying what it did, for the housekeeping log. */
export async function refreshImages(deps: ImageRefreshDeps): Promise<string> {
  const [images, recipeFor] = await Promise.all([listGameImages(deps), currentRecipes(deps)]);
  const due = imagesDue(
    images,
    (vmid) => builtAtOf(deps.db, vmid),
    deps.rebuildDays,
    (deps.now ?? Date.now)(),
  );
  const held = due.filter((d) => failedOnRecipe(deps.db, d.game, recipeFor(getGame(d.game)!)));
  const said = held.map(
    (d) => `${d.game} not again (its last build of today's recipe failed: gs image build ${d.game} to try)`,
  );
  if (due.length === 0) return 'Every game image is current.';
  for (const reason of ['recipe_changed', 'schedule'] as const) {
    const games = due.filter((d) => d.reason === reason && !held.includes(d)).map((d) => getGame(d.game)!);
    if (games.length === 0) continue;
    const queued = await deps.builds.requestFor(games, 'system:image-refresh', reason);
    said.push(
      ...queued.builds.map(
        (b) =>
          `${b.game} building again (${reason === 'schedule' ? 'its image is old' : 'its recipe changed'})`,
      ),
    );
  }
  return said.length === 0
    ? 'Image builds were due but none could be queued.'
    : `Game images: ${said.join('; ')}.`;
}
