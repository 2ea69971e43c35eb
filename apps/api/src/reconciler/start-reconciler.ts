// The reconciler's thin adapter: every interval it reads our servers and Proxmox's VM list, lets
// `reconcile` decide, and applies each decision — database changes only if the server row is unchanged since
// it was read, and a destroy only after re-reading the VM's tags and finding ours.
import { decodeTags, isProxmoxError, type ProxmoxClient, type VmRef } from '@guildserver/proxmox';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import { jobs, type ServerRow, servers } from '../db/schema.js';
import { recordEvent, recordOrphanEvent } from '../domain/event-log.js';
import { now } from '../domain/ids.js';
import { NOT_PLAYING } from '../domain/player-activity.js';
import { notifyEventsAppended } from '../observability/event-feed.js';
import { poolRows } from '../pool/pool-store.js';
import {
  isOurs,
  isPoolVm,
  type ReconcileAction,
  reconcile,
  type ServerSnapshot,
  serverIdOf,
  type VmSnapshot,
} from './reconcile.js';

export interface ReconcilerServices {
  config: Pick<ApiConfig, 'reconciler'>;
  db: Db;
  logger: Logger;
  proxmox: ProxmoxClient;
  limiter?: { run<T>(key: { node: string }, operation: () => Promise<T>): Promise<T> };
  /** Each round, after the servers: removes game images a current one replaced (images/image-retirement.ts). */
  removeOldImages?: () => Promise<unknown>;
}

export interface ReconcileRound {
  /** False when Proxmox could not be listed: nothing was decided. */
  listed: boolean;
  actions: ReconcileAction[];
  /** Actions that were applied (others were skipped because things changed meanwhile, or failed). */
  applied: ReconcileAction[];
}

export function startReconciler(
  services: ReconcilerServices,
  options: { intervalMs?: number; taskTimeoutMs?: number; autoStart?: boolean } = {},
): { close(): Promise<void>; runOnce(): Promise<ReconcileRound> } {
  const { db, proxmox } = services;
  const logger = services.logger.child({ component: 'reconciler' });
  const settings = services.config.reconciler;
  const intervalMs = options.intervalMs ?? settings.intervalSeconds * 1000;
  const taskTimeoutMs = options.taskTimeoutMs ?? 120_000;
  let orphansFirstSeen = new Map<number, number>();
  let running: Promise<ReconcileRound> | undefined;
  let closed = false;

  function readServers(): ServerSnapshot[] {
    const rows = db.select().from(servers).where(isNull(servers.deletedAt)).all();
    const busy = new Set(
      db
        .selectDistinct({ serverId: jobs.serverId })
        .from(jobs)
        .where(inArray(jobs.state, ['queued', 'running']))
        .all()
        .map((r) => r.serverId),
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      state: r.state,
      vmid: r.vmid,
      node: r.node,
      updatedAt: r.updatedAt,
      jobActive: busy.has(r.id),
    }));
  }

  async function readVms(): Promise<VmSnapshot[]> {
    const resources = await proxmox.cluster.resources('vm');
    return resources
      .filter((r) => r.type === 'qemu' && typeof r.vmid === 'number' && typeof r.node === 'string')
      .map((r) => ({
        vmid: r.vmid!,
        node: r.node!,
        status: typeof r.status === 'string' ? r.status : 'unknown',
        tags: decodeTags(r.tags),
        template: r.template === 1,
        ...(r.name ? { name: r.name } : {}),
        ...(r.lock ? { lock: r.lock } : {}),
      }));
  }

  /** Runs `change` in a transaction only while the row is live, unchanged, and no job is under way for it. */
  function whileUnchanged(
    serverId: string,
    updatedAt: string,
    change: (row: ServerRow, tx: Db) => void,
  ): boolean {
    return db.transaction((tx) => {
      const row = tx.select().from(servers).where(eq(servers.id, serverId)).get();
      if (!row || row.deletedAt || row.updatedAt !== updatedAt) return false;
      const active = tx
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(eq(jobs.serverId, serverId), inArray(jobs.state, ['queued', 'running'])))
        .get();
      if (active) return false;
      change(row, tx as unknown as Db);
      return true;
    });
  }

  async function destroyOrphan(
    action: Extract<ReconcileAction, { kind: 'destroy_orphan' }>,
  ): Promise<boolean> {
    const vm = { node: action.node, vmid: action.vmid };
    const config = await proxmox.qemu.getConfig(vm);
    const tags = decodeTags(config.tags);
    // Ours, for the same server as when listed, and still claimed by no live row.
    if (!isOurs(tags) || serverIdOf(tags) !== action.serverId) {
      logger.warn({ ...vm, tags }, 'orphan not destroyed: its tags changed since it was listed');
      return false;
    }
    const claimed = action.serverId
      ? db
          .select()
          .from(servers)
          .where(and(eq(servers.id, action.serverId), isNull(servers.deletedAt)))
          .get()
      : undefined;
    if (claimed && (claimed.vmid === action.vmid || claimed.vmid === null)) {
      logger.warn({ ...vm, serverId: action.serverId }, 'orphan not destroyed: a server claims it again');
      return false;
    }
    await destroyVm(vm);
    recordDestroyed(vm, action.serverId, action.ageSeconds);
    logger.warn({ ...vm, taggedServerId: action.serverId }, 'orphan VM destroyed');
    return true;
  }

  /** Destroys a pool VM no pool row holds, after reading it again: still a pool VM, still held by no row. */
  async function reclaimPoolVm(
    action: Extract<ReconcileAction, { kind: 'reclaim_pool_vm' }>,
  ): Promise<boolean> {
    const vm = { node: action.node, vmid: action.vmid };
    const config = await proxmox.qemu.getConfig(vm);
    const tags = decodeTags(config.tags);
    const held = poolRows(db).some((row) => row.vmid === action.vmid);
    if (!isOurs(tags) || !isPoolVm(tags) || Number(config.template ?? 0) === 1 || held) return false;
    await destroyVm(vm);
    recordDestroyed(vm, null, 0);
    logger.warn(vm, 'orphaned warm-pool VM reclaimed (destroyed)');
    return true;
  }

  /** The `server.drift` event of an orphan the reconciler destroyed. */
  function recordDestroyed(vm: VmRef, taggedServerId: string | null, ageSeconds: number): void {
    db.transaction((tx) => {
      recordOrphanEvent(tx, {
        reason: 'orphan_destroyed',
        vmid: vm.vmid,
        node: vm.node,
        taggedServerId,
        ageSeconds: Math.round(ageSeconds),
      });
    });
  }

  /** Stopped (hard) and destroyed with its disks, inside the node's limiter. */
  async function destroyVm(vm: VmRef): Promise<void> {
    const run = <T>(operation: () => Promise<T>) =>
      services.limiter ? services.limiter.run({ node: vm.node }, operation) : operation();
    await run(async () => {
      const status = await proxmox.qemu.status(vm);
      if (status.status === 'running') {
        await proxmox.waitForTask(await proxmox.power.stop(vm), { timeoutMs: taskTimeoutMs });
      }
      await proxmox.waitForTask(
        await proxmox.qemu.delete(vm, { purge: true, destroyUnreferencedDisks: true }),
        { timeoutMs: taskTimeoutMs },
      );
    });
  }

  /**
   * The VM list lags behind on a real cluster (pvestatd refreshes it every few seconds), so a verdict from it
   * is confirmed with the VM's live status before anything is written.
   */
  async function liveStatus(vm: {
    node: string;
    vmid: number;
  }): Promise<'running' | 'stopped' | 'missing' | 'unknown'> {
    try {
      return (await proxmox.qemu.status(vm)).status;
    } catch (error) {
      return isProxmoxError(error) && error.code === 'not_found' ? 'missing' : 'unknown';
    }
  }

  async function apply(action: ReconcileAction): Promise<boolean> {
    switch (action.kind) {
      case 'mark_vm_missing':
        if (
          action.vmid !== null &&
          action.node !== null &&
          (await liveStatus({ node: action.node, vmid: action.vmid })) !== 'missing'
        ) {
          return false;
        }
        return whileUnchanged(action.serverId, action.updatedAt, (row, tx) => {
          const about = { server: row };
          const drift = recordEvent(tx, about, {
            type: 'server.drift',
            data: { reason: 'vm_missing', vmid: row.vmid },
          });
          recordEvent(tx, about, {
            type: 'server.state_changed',
            data: { from: row.state, to: 'failed', reason: 'vm_missing' },
          });
          tx.update(servers)
            .set({
              state: 'failed',
              failureCode: 'vm_missing',
              failureMessage: drift.message,
              failureStep: null,
              ...NOT_PLAYING,
              updatedAt: now(),
            })
            .where(eq(servers.id, row.id))
            .run();
          logger.warn({ serverId: row.id, vmid: row.vmid }, 'server VM missing; marked failed');
        });
      case 'power_drift':
        if ((await liveStatus({ node: action.node, vmid: action.vmid })) !== action.to) return false;
        return whileUnchanged(action.serverId, action.updatedAt, (row, tx) => {
          const about = { server: row };
          tx.update(servers)
            .set({
              state: action.to,
              updatedAt: now(),
              ...(action.to === 'stopped' ? NOT_PLAYING : {}),
            })
            .where(eq(servers.id, row.id))
            .run();
          recordEvent(tx, about, {
            type: 'server.drift',
            data: { reason: 'power_state', vmid: action.vmid, expected: action.from, actual: action.to },
          });
          recordEvent(tx, about, {
            type: 'server.state_changed',
            data: { from: row.state, to: action.to, reason: 'outside' },
          });
          logger.info(
            { serverId: row.id, vmid: action.vmid, from: action.from, to: action.to },
            'power state drift applied',
          );
        });
      case 'node_moved':
        return whileUnchanged(action.serverId, action.updatedAt, (row, tx) => {
          const about = { server: row };
          tx.update(servers).set({ node: action.to, updatedAt: now() }).where(eq(servers.id, row.id)).run();
          recordEvent(tx, about, {
            type: 'server.drift',
            data: { reason: 'node_moved', vmid: action.vmid, from: action.from, to: action.to },
          });
        });
      case 'report_orphan': {
        logger.warn({ vmid: action.vmid, node: action.node, taggedServerId: action.serverId }, 'orphan VM');
        db.transaction((tx) => {
          recordOrphanEvent(tx, {
            reason: 'orphan_vm',
            vmid: action.vmid,
            node: action.node,
            taggedServerId: action.serverId,
            name: action.name ?? null,
            destroyAfterSeconds: settings.destroyOrphans ? settings.orphanGraceSeconds : null,
          });
        });
        return true;
      }
      case 'destroy_orphan': {
        const destroyed = await destroyOrphan(action);
        if (destroyed) orphansFirstSeen.delete(action.vmid);
        return destroyed;
      }
      case 'reclaim_pool_vm': {
        const reclaimed = await reclaimPoolVm(action);
        if (reclaimed) orphansFirstSeen.delete(action.vmid);
        return reclaimed;
      }
    }
  }

  async function round(): Promise<ReconcileRound> {
    const serverSnapshot = readServers();
    let vms: VmSnapshot[];
    try {
      vms = await readVms();
    } catch (error) {
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'reconcile skipped: Proxmox could not be listed',
      );
      return { listed: false, actions: [], applied: [] };
    }
    const decision = reconcile({
      now: Date.now(),
      vms,
      poolVmids: new Set(poolRows(db).map((row) => row.vmid)),
      servers: serverSnapshot,
      orphansFirstSeen,
      destroyOrphans: settings.destroyOrphans,
      orphanGraceSeconds: settings.orphanGraceSeconds,
    });
    orphansFirstSeen = decision.orphansFirstSeen;
    const applied: ReconcileAction[] = [];
    for (const action of decision.actions) {
      if (closed) break;
      try {
        if (await apply(action)) applied.push(action);
      } catch (error) {
        logger.warn(
          { err: error instanceof Error ? error.message : String(error), action },
          'reconcile action failed',
        );
      }
    }
    if (applied.length > 0) notifyEventsAppended(db);
    if (!closed && services.removeOldImages) {
      await services
        .removeOldImages()
        .catch((error: unknown) =>
          logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'old images not checked',
          ),
        );
    }
    return { listed: true, actions: decision.actions, applied };
  }

  const runOnce = () => {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer =
    options.autoStart === false
      ? undefined
      : setInterval(() => {
          if (!closed)
            runOnce().catch((error: unknown) => logger.error({ err: error }, 'reconcile round failed'));
        }, intervalMs);
  timer?.unref();

  return {
    runOnce,
    close: async () => {
      closed = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
