// Keeping the warm pool as WARM_POOL asks, one run at a time (a single BullMQ job, `pool-upkeep`, on the image
// queue): VMs a create claimed but never took over are removed, VMs no longer wanted (a game dropped from
// WARM_POOL, its image rebuilt, its size changed, too many) are drained, unfinished ones are resumed, and new
// ones are made from each game's current image until the count is reached, within the node's free memory
// for booted ones.
import type { GameImage } from '@guildserver/contracts';
import { type GameDefinition, type GameId, getGame } from '@guildserver/games';
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { jobs, type PoolVmRow, servers } from '../db/schema.js';
import { claimProxmoxFreeVmid } from '../domain/vmid-claims.js';
import { listGameImages } from '../images/image-lookup.js';
import type { RunnerDeps, RunnerOptions } from '../pipeline/context.js';
import { StepFailure, StepInterrupted } from '../pipeline/failures.js';
import {
  deletePoolVm,
  insertPoolVm,
  markPoolVmRemoving,
  notePoolVmFailure,
  poolCreatesInFlight,
  poolRows,
  readPoolVm,
  savePoolMemo,
} from './pool-store.js';
import { makePoolVm, type PoolMakerContext, removePoolVmAtProxmox } from './pool-vm-maker.js';

/** A making that failed is tried again after this long. */
export const POOL_RETRY_AFTER_MS = 5 * 60_000;
/** Memory a node keeps free beside booted pool VMs, so servers still fit. */
const NODE_MEMORY_HEADROOM = 2 * 1024 ** 3;

export interface PoolUpkeepDeps {
  runner: RunnerDeps;
  options: RunnerOptions;
  signal: AbortSignal;
  log: Logger;
}

export interface PoolUpkeepOutcome {
  made: number;
  removed: number;
  failed: number;
}

/** The size each game's pool VMs are made at: what a create of it gets by default. */
export const poolSizeOf = (deps: { config: Pick<RunnerDeps['config'], 'gameSizes'> }, game: GameDefinition) =>
  deps.config.gameSizes.get(game.id) ?? game.resources.default;

/** The image the pool of `gameId` is made from: its current one on the node servers are made on. */
export const poolImageOf = (images: readonly GameImage[], gameId: string, node: string) =>
  images.filter((image) => image.game === gameId && image.current && image.node === node).at(-1);

export async function keepPool(deps: PoolUpkeepDeps): Promise<PoolUpkeepOutcome> {
  const { runner, log } = deps;
  const { db, config, proxmox } = runner;
  const ctx: PoolMakerContext = { deps: runner, options: deps.options, signal: deps.signal, log };
  const outcome: PoolUpkeepOutcome = { made: 0, removed: 0, failed: 0 };
  const wanted = config.warmPool.sizes;
  if (wanted.size === 0 && poolRows(db).length === 0) return outcome;
  const images = await listGameImages({ proxmox, config });

  const remove = async (row: PoolVmRow, why: string) => {
    // A ready VM is taken out of reach of creates first; one a create took meanwhile is left to it.
    if (row.state !== 'claimed' && !markPoolVmRemoving(db, row.id)) return;
    try {
      await removePoolVmAtProxmox(ctx, row);
    } catch (error) {
      if (deps.signal.aborted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      log.warn(
        { poolVm: row.id, vmid: row.vmid, err: message },
        'removing a pool VM failed; tried again later',
      );
      return;
    }
    deletePoolVm(db, row);
    outcome.removed++;
    log.info({ poolVm: row.id, vmid: row.vmid, game: row.game }, `pool VM removed: ${why}`);
  };

  for (const row of poolRows(db).filter((r) => r.state === 'claimed')) {
    if (!createStillTakingOver(runner, row)) await remove(row, 'its create ended without taking it over');
  }
  for (const row of poolRows(db).filter((r) => r.state === 'removing')) await remove(row, 'removal resumed');
  // A ready VM someone removed at Proxmox: its row goes (before a create takes it), and another is made.
  const present = new Set((await proxmox.cluster.resources('vm')).map((r) => r.vmid));
  for (const row of poolRows(db).filter((r) => r.state === 'ready' && !present.has(r.vmid))) {
    if (!markPoolVmRemoving(db, row.id)) continue;
    deletePoolVm(db, row);
    outcome.removed++;
    log.warn({ poolVm: row.id, vmid: row.vmid, game: row.game }, 'pool VM vanished at Proxmox; made again');
  }

  for (const [gameId, rows] of groupByGame(poolRows(db).filter((r) => r.state !== 'claimed'))) {
    const game = getGame(gameId);
    const image = game && poolImageOf(images, gameId, config.proxmox.node);
    const size = game && poolSizeOf(runner, game);
    const fits = (r: PoolVmRow) =>
      image !== undefined &&
      r.imageVmid === image.vmid &&
      r.recipe === image.recipe &&
      r.mode === config.warmPool.mode &&
      size !== undefined &&
      r.cores === size.cores &&
      r.memoryMiB === size.memory &&
      r.diskGiB === size.disk;
    const keep = rows.filter(fits).slice(0, wanted.get(gameId as GameId) ?? 0);
    for (const row of rows.filter((r) => !keep.includes(r)))
      await remove(
        row,
        image
          ? 'no longer wanted as it is (WARM_POOL, its size or its image changed)'
          : 'its game has no current image',
      );
  }

  for (const row of poolRows(db).filter((r) => r.state === 'making')) {
    if (row.failedAt && Date.now() - Date.parse(row.failedAt) < POOL_RETRY_AFTER_MS) continue;
    if (await make(row)) outcome.made++;
    else outcome.failed++;
  }

  // A game whose pool VM a create is still taking over waits for it; one whose create ended while this run made
  // others' VMs is filled before the run ends (a request for the upkeep made while it runs is not queued again).
  let games = [...wanted.keys()];
  while (games.length > 0) {
    const waiting = games.filter((gameId) => poolCreatesInFlight(db, gameId) > 0);
    for (const gameId of games.filter((g) => !waiting.includes(g))) await fill(gameId);
    games = waiting.filter((gameId) => poolCreatesInFlight(db, gameId) === 0);
  }
  return outcome;

  /** Makes the game's pool VMs up to its count, within the node's memory for booted ones. */
  async function fill(gameId: GameId): Promise<void> {
    const game = getGame(gameId);
    const image = poolImageOf(images, gameId, config.proxmox.node);
    if (!game || !image?.recipe) return;
    const count = wanted.get(gameId) ?? 0;
    // A VM whose removal failed (tried again next time) is not one of the count.
    const have = poolRows(db).filter(
      (r) => r.game === gameId && (r.state === 'making' || r.state === 'ready'),
    ).length;
    for (let n = have; n < count; n++) {
      if (deps.signal.aborted) throw new StepInterrupted();
      const size = poolSizeOf(runner, game);
      const noRoom = config.warmPool.mode === 'booted' && (await noRoomForBootedVm(runner, size.memory));
      if (noRoom) {
        log.warn({ game: gameId }, noRoom);
        return;
      }
      const vmid = await claimProxmoxFreeVmid(db, config.vmidRange, proxmox);
      const row = insertPoolVm(db, {
        game: gameId,
        mode: config.warmPool.mode,
        node: config.proxmox.node,
        vmid,
        imageVmid: image.vmid,
        recipe: image.recipe,
        size,
      });
      if (await make(row)) outcome.made++;
      else {
        outcome.failed++;
        return;
      }
    }
  }

  /** Makes the row's VM; a failure removes what was made and is noted on the row (tried again later). */
  async function make(row: PoolVmRow): Promise<boolean> {
    try {
      await makePoolVm(ctx, row);
      log.info({ poolVm: row.id, vmid: row.vmid, game: row.game, mode: row.mode }, 'pool VM ready');
      return true;
    } catch (error) {
      if (deps.signal.aborted || error instanceof StepInterrupted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      log.warn({ poolVm: row.id, vmid: row.vmid, err: message }, 'making a pool VM failed');
      if (error instanceof StepFailure && error.code === 'vmid_conflict') {
        deletePoolVm(db, row);
        return false;
      }
      const cleaned = await removePoolVmAtProxmox(ctx, readPoolVm(db, row.id) ?? row).then(
        () => true,
        () => false,
      );
      if (cleaned) savePoolMemo(db, row.id, {});
      notePoolVmFailure(db, row.id, message);
      return false;
    }
  }
}

/** A claimed pool VM whose create is still queued or running: its adopt step takes it over. */
function createStillTakingOver(runner: RunnerDeps, row: PoolVmRow): boolean {
  if (!row.serverId) return false;
  const job = runner.db
    .select({ state: jobs.state })
    .from(servers)
    .innerJoin(jobs, eq(jobs.id, servers.currentJobId))
    .where(eq(servers.id, row.serverId))
    .get();
  return job?.state === 'queued' || job?.state === 'running';
}

/**
 * Why the node has no room for another booted pool VM of `memoryMiB` (its free memory, less NODE_MEMORY_HEADROOM,
 * would not hold it), or undefined when it has.
 */
export async function noRoomForBootedVm(
  deps: Pick<RunnerDeps, 'proxmox'> & { config: Pick<RunnerDeps['config'], 'proxmox'> },
  memoryMiB: number,
): Promise<string | undefined> {
  const { node } = deps.config.proxmox;
  const here = (await deps.proxmox.cluster.resources('node')).find((n) => n.node === node);
  if (here?.maxmem === undefined || here.mem === undefined) return undefined;
  const free = here.maxmem - here.mem;
  if (free >= memoryMiB * 1024 ** 2 + NODE_MEMORY_HEADROOM) return undefined;
  const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(1);
  return `Node ${node} has ${gib(Math.max(0, free))} GiB of memory free; a booted spare VM of ${memoryMiB} MiB needs it with ${gib(NODE_MEMORY_HEADROOM)} GiB to spare: lower WARM_POOL, or set WARM_POOL_MODE=stopped.`;
}

function groupByGame(rows: PoolVmRow[]): Map<string, PoolVmRow[]> {
  const groups = new Map<string, PoolVmRow[]>();
  for (const row of rows) groups.set(row.game, [...(groups.get(row.game) ?? []), row]);
  return groups;
}
