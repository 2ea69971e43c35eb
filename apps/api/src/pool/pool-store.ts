// The warm pool's rows: made, ready, taken by a create (atomically, inside the create's own transaction),
// removed. A pool VM holds its VM id in `vm_ids` as `pool:<id>`; a create that takes it takes the id over.
import type { PoolMode, PoolVm } from '@guildserver/contracts';
import { and, asc, eq, inArray, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { jobs, type PoolVmRow, poolVms, servers, vmIds } from '../db/schema.js';
import { newPoolVmId, now } from '../domain/ids.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
const IMMEDIATE = { behavior: 'immediate' } as const;

export const poolHolder = (poolVmId: string) => `pool:${poolVmId}`;

export interface NewPoolVm {
  game: string;
  mode: PoolMode;
  node: string;
  vmid: number;
  imageVmid: number;
  recipe: string;
  size: { cores: number; memory: number; disk: number };
}

/** Records a pool VM about to be made and holds its VM id; throws a unique violation when the id is taken. */
export function insertPoolVm(db: Db, vm: NewPoolVm): PoolVmRow {
  const id = newPoolVmId();
  const at = now();
  return db.transaction((tx) => {
    tx.insert(vmIds)
      .values({ vmid: vm.vmid, serverId: poolHolder(id), reservedAt: at })
      .run();
    return tx
      .insert(poolVms)
      .values({
        id,
        game: vm.game,
        state: 'making',
        mode: vm.mode,
        node: vm.node,
        vmid: vm.vmid,
        imageVmid: vm.imageVmid,
        recipe: vm.recipe,
        cores: vm.size.cores,
        memoryMiB: vm.size.memory,
        diskGiB: vm.size.disk,
        createdAt: at,
      })
      .returning()
      .get();
  }, IMMEDIATE);
}

export const poolRows = (db: Db): PoolVmRow[] =>
  db.select().from(poolVms).orderBy(asc(poolVms.game), asc(poolVms.createdAt)).all();

export const readPoolVm = (db: Db | Tx, id: string): PoolVmRow | undefined =>
  db.select().from(poolVms).where(eq(poolVms.id, id)).get();

export function savePoolMemo(db: Db, id: string, memo: object): void {
  db.update(poolVms)
    .set({ memo: JSON.stringify(memo) })
    .where(eq(poolVms.id, id))
    .run();
}

export function markPoolVmReady(db: Db, id: string): void {
  db.update(poolVms)
    .set({ state: 'ready', readyAt: now(), error: null, failedAt: null })
    .where(and(eq(poolVms.id, id), eq(poolVms.state, 'making')))
    .run();
}

/** Out of reach of creates, to be destroyed; false when a create took it meanwhile (or it is gone). */
export function markPoolVmRemoving(db: Db, id: string): boolean {
  return (
    db
      .update(poolVms)
      .set({ state: 'removing' })
      .where(and(eq(poolVms.id, id), inArray(poolVms.state, ['ready', 'making', 'removing'])))
      .run().changes === 1
  );
}

export function notePoolVmFailure(db: Db, id: string, message: string): void {
  db.update(poolVms).set({ error: message, failedAt: now() }).where(eq(poolVms.id, id)).run();
}

/** The row is gone, and its VM id with it while the pool still holds it (a taken VM's id is its server's). */
export function deletePoolVm(db: Db | Tx, row: Pick<PoolVmRow, 'id' | 'vmid'>): void {
  db.delete(vmIds)
    .where(and(eq(vmIds.vmid, row.vmid), eq(vmIds.serverId, poolHolder(row.id))))
    .run();
  db.delete(poolVms).where(eq(poolVms.id, row.id)).run();
}

/** What a create asks of a pool VM: its game, the image recipe of today, and its size. */
export interface PoolWish {
  game: string;
  recipe: string;
  size: { cores: number; memory: number; disk: number };
}

/**
 * Takes the oldest ready pool VM that fits, for `serverId`, inside the caller's (immediate) transaction: the row
 * becomes `claimed` and its VM id the server's. Fits: of today's image, a disk no larger than asked (disks only
 * grow), and when it is booted the same cores and memory (changing those needs a restart).
 */
export function takePoolVm(tx: Tx, wish: PoolWish, serverId: string): PoolVmRow | undefined {
  const candidate = tx
    .select()
    .from(poolVms)
    .where(
      and(
        eq(poolVms.game, wish.game),
        eq(poolVms.state, 'ready'),
        eq(poolVms.recipe, wish.recipe),
        lte(poolVms.diskGiB, wish.size.disk),
        or(
          eq(poolVms.mode, 'stopped'),
          and(eq(poolVms.cores, wish.size.cores), eq(poolVms.memoryMiB, wish.size.memory)),
        ),
      ),
    )
    .orderBy(asc(poolVms.readyAt))
    .limit(1)
    .get();
  if (!candidate) return undefined;
  const taken = tx
    .update(poolVms)
    .set({ state: 'claimed', serverId, claimedAt: now() })
    .where(and(eq(poolVms.id, candidate.id), eq(poolVms.state, 'ready')))
    .returning()
    .get();
  if (!taken) return undefined;
  const moved = tx
    .update(vmIds)
    .set({ serverId, reservedAt: now() })
    .where(and(eq(vmIds.vmid, taken.vmid), eq(vmIds.serverId, poolHolder(taken.id))))
    .run();
  if (moved.changes !== 1) throw new Error(`pool VM ${taken.id} did not hold VM id ${taken.vmid}`);
  return taken;
}

/** Is a ready pool VM of the game there at all (a read outside the transaction, to skip asking for a VM id)? */
export function poolHasReady(db: Db, game: string): boolean {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(poolVms)
      .where(and(eq(poolVms.game, game), eq(poolVms.state, 'ready')))
      .get()!.n > 0
  );
}

export function poolVmView(row: PoolVmRow): PoolVm {
  return {
    id: row.id,
    game: row.game,
    state: row.state,
    mode: row.mode,
    node: row.node,
    vmid: row.vmid,
    imageVmid: row.imageVmid,
    recipe: row.recipe,
    cores: row.cores,
    memoryMiB: row.memoryMiB,
    diskGiB: row.diskGiB,
    serverId: row.serverId,
    error: row.error,
    createdAt: row.createdAt,
    readyAt: row.readyAt,
  };
}

/**
 * Creates of the game that took a pool VM and are still queued or running. The pool waits for them before it
 * makes more, so a refill never competes with the create a gamer is waiting on.
 */
export function poolCreatesInFlight(db: Db, gameId: string): number {
  return db
    .select({ id: jobs.id })
    .from(jobs)
    .innerJoin(servers, eq(servers.id, jobs.serverId))
    .where(
      and(
        eq(servers.game, gameId),
        eq(jobs.kind, 'create'),
        inArray(jobs.state, ['queued', 'running']),
        sql`json_extract(${jobs.params}, '$.pool') IS NOT NULL`,
      ),
    )
    .all().length;
}
