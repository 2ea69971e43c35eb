// What admins see of the warm pool: per game, how many spare VMs WARM_POOL asks for, how many are ready or
// being made, the image they come from, and one sentence when the pool cannot be filled now.
import type { GameImage, PoolGame, PoolMode, PoolStatus } from '@guildserver/contracts';
import { type GameId, getGame } from '@guildserver/games';
import type { ProxmoxClient } from '@guildserver/proxmox';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import type { PoolVmRow } from '../db/schema.js';
import { listGameImages } from '../images/image-lookup.js';
import type { PoolGameCounts } from '../observability/metrics.js';
import { poolRows, poolVmView } from './pool-store.js';
import { noRoomForBootedVm, POOL_RETRY_AFTER_MS, poolImageOf, poolSizeOf } from './pool-upkeep.js';

/** The counts alone, from SQLite (for /readyz and the metrics: no Proxmox call); of `rows` when given. */
export function poolCounts(
  db: Db,
  config: Pick<ApiConfig, 'warmPool'>,
  rows: PoolVmRow[] = poolRows(db),
): { mode: PoolMode; games: PoolGameCounts[] } {
  const games = new Set<string>([...config.warmPool.sizes.keys(), ...rows.map((r) => r.game)]);
  return {
    mode: config.warmPool.mode,
    games: [...games].sort().map((game) => countsOf(game, rows, config)),
  };
}

function countsOf(game: string, rows: PoolVmRow[], config: Pick<ApiConfig, 'warmPool'>): PoolGameCounts {
  const mine = rows.filter((r) => r.game === game);
  return {
    game,
    wanted: config.warmPool.sizes.get(game as GameId) ?? 0,
    ready: mine.filter((r) => r.state === 'ready').length,
    making: mine.filter((r) => r.state === 'making').length,
  };
}

/** GET /v1/pool: the counts, each game's image (read from Proxmox), the VMs, and why a pool is short. */
export async function poolStatus(deps: {
  db: Db;
  config: Pick<ApiConfig, 'warmPool' | 'proxmox' | 'gameSizes'>;
  proxmox: ProxmoxClient;
}): Promise<PoolStatus> {
  const { db, config } = deps;
  const rows = poolRows(db);
  const images = await listGameImages(deps);
  const { mode, games } = poolCounts(db, config, rows);
  const noteOf = async (counts: PoolGameCounts, image: GameImage | undefined): Promise<string | null> => {
    const game = getGame(counts.game);
    const failed = rows.find((r) => r.game === counts.game && r.state === 'making' && r.error);
    if (counts.wanted > 0 && !image?.recipe)
      return `${game?.name ?? counts.game} has no current image: the pool fills once one is built (gs image build ${counts.game}).`;
    if (failed)
      return `Making a spare VM failed: ${failed.error} Tried again within ${POOL_RETRY_AFTER_MS / 60_000} minutes.`;
    if (mode === 'booted' && game && counts.ready + counts.making < counts.wanted)
      return (await noRoomForBootedVm(deps, poolSizeOf(deps, game).memory)) ?? null;
    return null;
  };
  const shown: PoolGame[] = [];
  for (const counts of games) {
    const image = poolImageOf(images, counts.game, config.proxmox.node);
    shown.push({
      ...counts,
      image: image?.recipe ? { vmid: image.vmid, recipe: image.recipe } : null,
      note: await noteOf(counts, image),
    });
  }
  return { mode, games: shown, vms: rows.map(poolVmView) };
}
