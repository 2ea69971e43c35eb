import { describe, expect, it } from 'vitest';
import {
  type ReconcileSnapshot,
  reconcile,
  type ServerSnapshot,
  type VmSnapshot,
} from '../../src/reconciler/reconcile.js';

const vm = (vmid: number, serverId: string | null, extra: Partial<VmSnapshot> = {}): VmSnapshot => ({
  vmid,
  node: 'pve',
  status: 'running',
  tags: serverId ? ['guildserver', `gs-${serverId}`] : ['guildserver'],
  template: false,
  ...extra,
});
const server = (id: string, vmid: number | null, extra: Partial<ServerSnapshot> = {}): ServerSnapshot => ({
  id,
  name: id,
  state: 'running',
  vmid,
  node: 'pve',
  updatedAt: 't0',
  jobActive: false,
  ...extra,
});
const snapshot = (extra: Partial<ReconcileSnapshot>): ReconcileSnapshot => ({
  now: 1_000_000,
  vms: [],
  servers: [],
  poolVmids: new Set(),
  orphansFirstSeen: new Map(),
  destroyOrphans: false,
  orphanGraceSeconds: 60,
  ...extra,
});
const kinds = (s: ReconcileSnapshot) => reconcile(s).actions.map((a) => a.kind);

describe('reconcile', () => {
  it('does nothing when servers and VMs agree', () => {
    const s = snapshot({
      servers: [server('a', 101), server('b', 102, { state: 'stopped' })],
      vms: [vm(101, 'a'), vm(102, 'b', { status: 'stopped' })],
    });
    expect(reconcile(s).actions).toEqual([]);
  });

  it('marks a settled server whose VM vanished, unless a job is under way or it is not settled', () => {
    expect(reconcile(snapshot({ servers: [server('a', 101)] })).actions).toEqual([
      { kind: 'mark_vm_missing', serverId: 'a', vmid: 101, node: 'pve', updatedAt: 't0', from: 'running' },
    ]);
    expect(kinds(snapshot({ servers: [server('a', 101, { jobActive: true })] }))).toEqual([]);
    for (const state of ['creating', 'starting', 'stopping', 'restarting', 'deleting', 'failed']) {
      expect(kinds(snapshot({ servers: [server('a', 101, { state })] }))).toEqual([]);
    }
  });

  it('matches by the gs-<server id> tag, not by VM id', () => {
    const s = snapshot({ servers: [server('a', 101)], vms: [vm(101, 'b'), vm(555, 'a')] });
    // VM 101 belongs to a server 'b' we do not know; 555 is tagged for 'a' but 'a' recorded VM 101.
    expect(reconcile(s).actions).toMatchObject([
      { kind: 'mark_vm_missing', serverId: 'a', vmid: 101 },
      { kind: 'report_orphan', vmid: 101, serverId: 'b' },
      { kind: 'report_orphan', vmid: 555, serverId: 'a' },
    ]);
  });

  it('follows power changes made outside GuildServer, but not while the VM is locked or its node is offline', () => {
    const drift = reconcile(
      snapshot({
        servers: [server('a', 101), server('b', 102, { state: 'stopped' })],
        vms: [vm(101, 'a', { status: 'stopped' }), vm(102, 'b', { status: 'running' })],
      }),
    ).actions;
    expect(drift).toMatchObject([
      { kind: 'power_drift', serverId: 'a', from: 'running', to: 'stopped', vmid: 101 },
      { kind: 'power_drift', serverId: 'b', from: 'stopped', to: 'running', vmid: 102 },
    ]);
    expect(
      kinds(
        snapshot({ servers: [server('a', 101)], vms: [vm(101, 'a', { status: 'stopped', lock: 'backup' })] }),
      ),
    ).toEqual([]);
    expect(
      kinds(snapshot({ servers: [server('a', 101)], vms: [vm(101, 'a', { status: 'unknown' })] })),
    ).toEqual([]);
    expect(
      kinds(
        snapshot({
          servers: [server('a', 101, { jobActive: true })],
          vms: [vm(101, 'a', { status: 'stopped' })],
        }),
      ),
    ).toEqual([]);
  });

  it('notices a VM that moved to another node', () => {
    expect(
      reconcile(snapshot({ servers: [server('a', 101)], vms: [vm(101, 'a', { node: 'pve2' })] })).actions,
    ).toMatchObject([{ kind: 'node_moved', serverId: 'a', from: 'pve', to: 'pve2' }]);
  });

  it('never looks at VMs without our tag, nor at templates', () => {
    const s = snapshot({
      destroyOrphans: true,
      orphanGraceSeconds: 0,
      orphansFirstSeen: new Map([
        [200, 0],
        [201, 0],
        [9000, 0],
      ]),
      vms: [
        vm(200, null, { tags: ['gs-x'] }),
        vm(201, null, { tags: [] }),
        vm(9000, null, { template: true }),
      ],
    });
    expect(reconcile(s)).toEqual({ actions: [], orphansFirstSeen: new Map() });
  });

  it("keeps the warm pool's VMs, never as a server's, and reclaims a pool VM no pool row holds once seen twice, whatever RECONCILE_DESTROY_ORPHANS says", () => {
    const poolTags = ['guildserver', 'gs-pool', 'game-openttd'];
    const pooled = vm(9200, null, { tags: poolTags, status: 'stopped' });
    const stray = vm(9201, null, { tags: poolTags, status: 'running' });
    const first = reconcile(snapshot({ vms: [pooled, stray], poolVmids: new Set([9200]) }));
    expect(first.actions).toEqual([]);
    expect([...first.orphansFirstSeen.keys()]).toEqual([9201]);
    const second = reconcile(
      snapshot({
        vms: [pooled, stray],
        poolVmids: new Set([9200]),
        orphansFirstSeen: first.orphansFirstSeen,
      }),
    );
    expect(second.actions).toEqual([{ kind: 'reclaim_pool_vm', vmid: 9201, node: 'pve', tags: poolTags }]);
    // One a pool row holds (a create may have claimed it) is left alone.
    expect(
      kinds(snapshot({ vms: [stray], poolVmids: new Set([9201]), orphansFirstSeen: first.orphansFirstSeen })),
    ).toEqual([]);
  });

  it('leaves game images alone, and a clone of one that is not configured yet (it still carries their tags)', () => {
    const imageTags = ['guildserver', 'gs-image', 'game-openttd'];
    const s = snapshot({
      destroyOrphans: true,
      orphanGraceSeconds: 0,
      orphansFirstSeen: new Map([
        [9100, 0],
        [9101, 0],
      ]),
      vms: [
        vm(9100, null, { tags: imageTags, template: true, status: 'stopped' }),
        vm(9101, null, { tags: imageTags, status: 'running' }),
      ],
    });
    expect(reconcile(s)).toEqual({ actions: [], orphansFirstSeen: new Map() });
  });

  it('reports an orphan once, and destroys it only when allowed and older than the grace period', () => {
    const orphan = vm(300, 'gone');
    const first = reconcile(snapshot({ vms: [orphan], destroyOrphans: true }));
    expect(first.actions).toEqual([{ kind: 'report_orphan', vmid: 300, node: 'pve', serverId: 'gone' }]);
    expect(first.orphansFirstSeen).toEqual(new Map([[300, 1_000_000]]));

    const within = reconcile(
      snapshot({
        vms: [orphan],
        destroyOrphans: true,
        now: 1_000_000 + 60_000,
        orphansFirstSeen: first.orphansFirstSeen,
      }),
    );
    expect(within.actions).toEqual([]);

    const after = reconcile(
      snapshot({
        vms: [orphan],
        destroyOrphans: true,
        now: 1_000_000 + 61_000,
        orphansFirstSeen: first.orphansFirstSeen,
      }),
    );
    expect(after.actions).toEqual([
      { kind: 'destroy_orphan', vmid: 300, node: 'pve', serverId: 'gone', tags: orphan.tags, ageSeconds: 61 },
    ]);
    const notAllowed = reconcile(
      snapshot({ vms: [orphan], now: 1_000_000 + 61_000, orphansFirstSeen: first.orphansFirstSeen }),
    );
    expect(notAllowed.actions).toEqual([]);
    // Gone from Proxmox: forgotten.
    expect(reconcile(snapshot({ orphansFirstSeen: first.orphansFirstSeen })).orphansFirstSeen.size).toBe(0);
  });

  it('an orphan needs two rounds even with a zero grace period, and a locked one is left alone', () => {
    const orphan = vm(300, null);
    expect(kinds(snapshot({ vms: [orphan], destroyOrphans: true, orphanGraceSeconds: 0 }))).toEqual([
      'report_orphan',
    ]);
    const seen = new Map([[300, 1_000_000 - 1]]);
    expect(
      kinds(snapshot({ vms: [orphan], destroyOrphans: true, orphanGraceSeconds: 0, orphansFirstSeen: seen })),
    ).toEqual(['destroy_orphan']);
    expect(
      kinds(
        snapshot({
          vms: [{ ...orphan, lock: 'clone' }],
          destroyOrphans: true,
          orphanGraceSeconds: 0,
          orphansFirstSeen: seen,
        }),
      ),
    ).toEqual([]);
  });

  it('a VM of a live server is no orphan; a second VM tagged for it is, unless a job is handling it', () => {
    expect(kinds(snapshot({ servers: [server('a', 101)], vms: [vm(101, 'a'), vm(102, 'a')] }))).toEqual([
      'report_orphan',
    ]);
    expect(
      kinds(
        snapshot({
          servers: [server('a', 101, { state: 'creating', jobActive: true })],
          vms: [vm(102, 'a')],
        }),
      ),
    ).toEqual([]);
    expect(
      kinds(snapshot({ servers: [server('a', null, { state: 'failed' })], vms: [vm(102, 'a')] })),
    ).toEqual([]);
  });
});
