// What admins see of the warm pool: per game, how many spare VMs WARM_POOL asks for, how many are ready or
// being made, the image they come from, and one sentence when the pool cannot be filled now.
import type { PoolGame, PoolMode, PoolStatus } from '@guildserver/contracts';
import { type GameId, getGame } from '@guildserver/games';
import type { ProxmoxClient } from '@guildserver/proxmox';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import type { PoolVmRow } from '../db/schema.js';
import { listGameImages } from '../images/image-lookup.js';
import type { PoolGameCounts } from '../observability/metrics.js';
import { poolRows, poolVmView } from './pool-store.js';
import { POOL_RETRY_AFTER_MS, poolImageOf } from './pool-upkeep.js';

/** The counts alone, from SQLite (for /readyz and the metrics: no Proxmox call). */
export function poolCounts(
  db: Db,
  config: Pick<ApiConfig, 'warmPool'>,
): { mode: PoolMode; games: PoolGameCounts[] } {
  const rows = poolRows(db);
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
  config: Pick<ApiConfig, 'warmPool' | 'proxmox'>;
  proxmox: ProxmoxClient;
}): Promise<PoolStatus> {
  const { db, config } = deps;
  const rows = poolRows(db);
  const images = await listGameImages(deps);
  const { mode, games } = poolCounts(db, config);
  return {
    mode,
    games: games.map((counts): PoolGame => {
      const image = poolImageOf(images, counts.game, config.proxmox.node);
      const failed = rows.find((r) => r.game === counts.game && r.state === 'making' && r.error);
      const name = getGame(counts.game)?.name ?? counts.game;
      let note: string | null = null;
      if (counts.wanted > 0 && !image?.recipe)
        note = `${name} has no current image: the pool fills once one is built (gs image build ${counts.game}).`;
      else if (failed)
        note = `Making a spare VM failed: ${failed.error} Tried again within ${POOL_RETRY_AFTER_MS / 60_000} minutes.`;
      return {
        ...counts,
        image: image?.recipe ? { vmid: image.vmid, recipe: image.recipe } : null,
        note,
      };
    }),
    vms: rows.map(poolVmView),
  };
}
