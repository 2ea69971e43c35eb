// What the reconciler decides, as a pure function of what it read: our server rows (and whether a job is
// under way for each) and the VMs Proxmox lists. No I/O here; start-reconciler.ts reads and acts.
import { IMAGE_TAG, POOL_TAG, RESERVED_GS_TAGS } from '../images/image-marks.js';

export const OUR_TAG = 'guildserver';
export const SERVER_TAG_PREFIX = 'gs-';

export interface VmSnapshot {
  vmid: number;
  node: string;
  /** `running`, `stopped`, or `unknown` (its node is offline) — anything else counts as unknown. */
  status: string;
  tags: readonly string[];
  name?: string;
  /** PVE lock (`clone`, `backup`, `migrate`…): the VM is busy and its power state is in flux. */
  lock?: string;
  template: boolean;
}

export interface ServerSnapshot {
  id: string;
  name: string;
  state: string;
  vmid: number | null;
  node: string | null;
  /** Row version: an action applies only while the row still has this value (nothing changed meanwhile). */
  updatedAt: string;
  /** A job of this server is queued or running: its steps own the VM for now. */
  jobActive: boolean;
}

export interface ReconcileSnapshot {
  /** Milliseconds since the epoch. */
  now: number;
  vms: readonly VmSnapshot[];
  /** Servers not deleted. */
  servers: readonly ServerSnapshot[];
  /** VM ids the warm pool's rows hold (read after the VM list: a pool VM's row is written before its clone). */
  poolVmids: ReadonlySet<number>;
  /** When each orphan (by VM id) was first seen, from earlier rounds. */
  orphansFirstSeen: ReadonlyMap<number, number>;
  destroyOrphans: boolean;
  orphanGraceSeconds: number;
}

export type ReconcileAction =
  | {
      kind: 'mark_vm_missing';
      serverId: string;
      vmid: number | null;
      node: string | null;
      updatedAt: string;
      from: string;
    }
  | {
      kind: 'power_drift';
      serverId: string;
      vmid: number;
      node: string;
      updatedAt: string;
      from: 'running' | 'stopped';
      to: 'running' | 'stopped';
    }
  | { kind: 'node_moved'; serverId: string; vmid: number; from: string | null; to: string; updatedAt: string }
  | { kind: 'report_orphan'; vmid: number; node: string; serverId: string | null; name?: string }
  | {
      kind: 'destroy_orphan';
      vmid: number;
      node: string;
      serverId: string | null;
      /** The tags the VM had when listed: destroy only if a fresh read still shows exactly our tags. */
      tags: readonly string[];
      ageSeconds: number;
    }
  /** A warm-pool VM no pool row holds (it carries nothing of anyone's): destroyed once seen twice. */
  | { kind: 'reclaim_pool_vm'; vmid: number; node: string; tags: readonly string[] };

export interface ReconcileDecision {
  actions: ReconcileAction[];
  /** Orphans still present, with when they were first seen: feed into the next round. */
  orphansFirstSeen: Map<number, number>;
}

export const isOurs = (tags: readonly string[]) => tags.includes(OUR_TAG);

/**
 * A game image, or a VM on its way from one (a clone not configured yet still carries the image's tags): no
 * server's VM, never an orphan. Old images are removed by images/image-retirement.ts instead.
 */
const isImageVm = (tags: readonly string[]) => tags.includes(IMAGE_TAG);

/** A warm-pool VM (pool/): the pool's own, or one to reclaim; never a server's, never a server's orphan. */
export const isPoolVm = (tags: readonly string[]) => tags.includes(POOL_TAG);

/** The server id in a VM's `gs-<server id>` tag, if it has one (`gs-image`, `gs-pool` name no server). */
export function serverIdOf(tags: readonly string[]): string | null {
  const tag = tags.find(
    (t) =>
      t.startsWith(SERVER_TAG_PREFIX) && t.length > SERVER_TAG_PREFIX.length && !RESERVED_GS_TAGS.includes(t),
  );
  return tag ? tag.slice(SERVER_TAG_PREFIX.length) : null;
}

/** States in which the VM should be up, or down, with no job changing it (a sleeping server's is off or hibernated). */
const SETTLED: Record<string, 'running' | 'stopped'> = {
  running: 'running',
  stopped: 'stopped',
  sleeping: 'stopped',
};

export function reconcile(snapshot: ReconcileSnapshot): ReconcileDecision {
  const actions: ReconcileAction[] = [];
  const ours = snapshot.vms.filter(
    (vm) => !vm.template && isOurs(vm.tags) && !isImageVm(vm.tags) && !isPoolVm(vm.tags),
  );
  const vmsByServer = new Map<string, VmSnapshot[]>();
  for (const vm of ours) {
    const id = serverIdOf(vm.tags);
    if (id) vmsByServer.set(id, [...(vmsByServer.get(id) ?? []), vm]);
  }
  const serversById = new Map(snapshot.servers.map((s) => [s.id, s]));

  for (const server of snapshot.servers) {
    const expected = SETTLED[server.state];
    // Only settled servers are judged: a job's steps own the VM while one runs, and failed or transitional
    // servers say nothing about what should exist.
    if (!expected || server.jobActive) continue;
    const vms = vmsByServer.get(server.id) ?? [];
    // The VM with the id we recorded (any tagged one while none is recorded); another VM with the same tag
    // is reported as an orphan below.
    const vm = server.vmid === null ? vms[0] : vms.find((v) => v.vmid === server.vmid);
    if (!vm) {
      actions.push({
        kind: 'mark_vm_missing',
        serverId: server.id,
        vmid: server.vmid,
        node: server.node,
        updatedAt: server.updatedAt,
        from: server.state,
      });
      continue;
    }
    if (vm.node !== server.node) {
      actions.push({
        kind: 'node_moved',
        serverId: server.id,
        vmid: vm.vmid,
        from: server.node,
        to: vm.node,
        updatedAt: server.updatedAt,
      });
    }
    if (vm.lock) continue;
    const actual = vm.status === 'running' ? 'running' : vm.status === 'stopped' ? 'stopped' : undefined;
    if (actual && actual !== expected) {
      actions.push({
        kind: 'power_drift',
        serverId: server.id,
        vmid: vm.vmid,
        node: vm.node,
        updatedAt: server.updatedAt,
        from: expected,
        to: actual,
      });
    }
  }

  const orphansFirstSeen = new Map<number, number>();
  for (const vm of ours) {
    const serverId = serverIdOf(vm.tags);
    const server = serverId ? serversById.get(serverId) : undefined;
    // Ours and claimed by a live row: the row's VM, or (while a job runs) one its steps are handling.
    if (server && (server.vmid === null || server.vmid === vm.vmid || server.jobActive)) continue;
    const firstSeen = snapshot.orphansFirstSeen.get(vm.vmid);
    orphansFirstSeen.set(vm.vmid, firstSeen ?? snapshot.now);
    const base = { vmid: vm.vmid, node: vm.node, serverId };
    if (firstSeen === undefined)
      actions.push({ kind: 'report_orphan', ...base, ...(vm.name ? { name: vm.name } : {}) });
    const ageSeconds = (snapshot.now - (firstSeen ?? snapshot.now)) / 1000;
    if (
      snapshot.destroyOrphans &&
      firstSeen !== undefined &&
      ageSeconds > snapshot.orphanGraceSeconds &&
      !vm.lock
    ) {
      actions.push({ kind: 'destroy_orphan', ...base, tags: vm.tags, ageSeconds });
    }
  }
  for (const vm of snapshot.vms) {
    if (vm.template || !isOurs(vm.tags) || !isPoolVm(vm.tags) || snapshot.poolVmids.has(vm.vmid)) continue;
    const firstSeen = snapshot.orphansFirstSeen.get(vm.vmid);
    orphansFirstSeen.set(vm.vmid, firstSeen ?? snapshot.now);
    if (firstSeen !== undefined && !vm.lock)
      actions.push({ kind: 'reclaim_pool_vm', vmid: vm.vmid, node: vm.node, tags: vm.tags });
  }
  return { actions, orphansFirstSeen };
}
