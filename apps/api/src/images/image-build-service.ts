// Asking for game images to be built (POST /v1/images, `gs image build`, the weekly rebuild, a changed recipe):
// per game, today's recipe and a free VM id from PROXMOX_VMID_RANGE, recorded with the build in one transaction,
// then queued. One build of a game at a time.
import type {
  ImageBuild,
  ImageBuildReason,
  ImageBuildRequest,
  ImageBuildsQueued,
} from '@guildserver/contracts';
import { GAMES, type GameDefinition, unacceptedLicences } from '@guildserver/games';
import type { ProxmoxClient } from '@guildserver/proxmox';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import { DomainError } from '../domain/errors.js';
import { proxmoxRequestFailure } from '../domain/proxmox-failure.js';
import { gameOf } from '../domain/server-rules.js';
import { claimProxmoxFreeVmid } from '../domain/vmid-claims.js';
import { buildView, insertBuild, readBuild, recentBuilds, unfinishedBuildOf } from './image-build-store.js';
import { currentRecipes } from './image-lookup.js';

export interface ImageBuildServiceDeps {
  db: Db;
  config: Pick<ApiConfig, 'proxmox' | 'vmidRange' | 'licencesAccepted'>;
  proxmox: ProxmoxClient;
  /** Queues a recorded build (after its transaction committed). */
  enqueue(buildId: string): Promise<void>;
  logger: Logger;
}

export interface ImageBuildService {
  /** Queues builds; a single game that cannot be built now is refused with the reason. */
  request(
    body: ImageBuildRequest,
    requestedBy: string,
    reason?: ImageBuildReason,
  ): Promise<ImageBuildsQueued>;
  /** Queues a build of each game, skipping (with the reason) those that cannot be built now. */
  requestFor(
    games: readonly GameDefinition[],
    requestedBy: string,
    reason: ImageBuildReason,
  ): Promise<ImageBuildsQueued>;
  view(id: string): ImageBuild | undefined;
  recent(limit?: number): ImageBuild[];
}

const isUniqueViolation = (error: unknown) =>
  error instanceof Error && /UNIQUE constraint failed/.test(error.message);

export function createImageBuildService(deps: ImageBuildServiceDeps): ImageBuildService {
  const { db, config } = deps;

  /** Why the game cannot be built now, or undefined. */
  function refusal(game: GameDefinition): string | undefined {
    const missing = unacceptedLicences(game, config.licencesAccepted);
    if (missing.length > 0)
      return `${game.name} needs ${missing.map((l) => l.name).join(' and ')} accepted first: add ${missing.map((l) => l.id).join(',')} to GAME_LICENSES_ACCEPTED.`;
    const running = unfinishedBuildOf(db, game.id);
    if (running) return `A build of the ${game.name} image is already under way (${running.id}).`;
    return undefined;
  }

  async function requestFor(
    games: readonly GameDefinition[],
    requestedBy: string,
    reason: ImageBuildReason,
  ): Promise<ImageBuildsQueued> {
    const result: ImageBuildsQueued = { builds: [], skipped: [] };
    const wanted = games.filter((game) => {
      const why = refusal(game);
      if (why) result.skipped.push({ game: game.id, reason: why });
      return why === undefined;
    });
    if (wanted.length === 0) return result;
    const recipeFor = await currentRecipes(deps).catch((error: unknown) => {
      throw proxmoxRequestFailure(error);
    });
    for (const game of wanted) {
      const vmid = await claimProxmoxFreeVmid(db, config.vmidRange, deps.proxmox);
      let id: string;
      try {
        id = db.transaction(
          (tx) =>
            insertBuild(tx, {
              game: game.id,
              reason,
              node: config.proxmox.node,
              vmid,
              recipe: recipeFor(game),
              requestedBy,
            }).id,
          { behavior: 'immediate' },
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Another request got there first: its build, or the VM id.
        result.skipped.push({
          game: game.id,
          reason: refusal(game) ?? `VM id ${vmid} was taken meanwhile; ask again.`,
        });
        continue;
      }
      await deps.enqueue(id);
      result.builds.push(buildView(readBuild(db, id)!));
    }
    return result;
  }

  return {
    requestFor,
    async request(body, requestedBy, reason = 'asked') {
      if (body.all) return requestFor(GAMES, requestedBy, reason);
      const game = gameOf(body.game ?? '');
      const result = await requestFor([game], requestedBy, reason);
      const skipped = result.skipped[0];
      if (skipped)
        throw new DomainError(
          unacceptedLicences(game, config.licencesAccepted).length > 0 ? 'game_unavailable' : 'invalid_state',
          skipped.reason,
        );
      return result;
    },
    view(id) {
      const build = readBuild(db, id);
      return build && buildView(build);
    },
    recent: (limit) => recentBuilds(db, limit),
  };
}
