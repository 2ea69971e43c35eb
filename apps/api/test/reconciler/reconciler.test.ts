// The reconciler against the simulator: VMs made through the real client, server rows in a real SQLite file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerState } from '@guildserver/contracts';
import { createProxmoxClient, type ProxmoxClient } from '@guildserver/proxmox';
import { DEFAULT_SIM_TOKEN, type RunningSimulator, startSimulator } from '@guildserver/pve-sim';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/db/database.js';
import { events, jobs, servers } from '../../src/db/schema.js';
import { listEvents } from '../../src/domain/events.js';
import { insertPoolVm } from '../../src/pool/pool-store.js';
import { startReconciler } from '../../src/reconciler/start-reconciler.js';

let sim: RunningSimulator;
let proxmox: ProxmoxClient;
let db: Db;
let nextVmid = 10_000;
let serverCounter = 0;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  sim = await startSimulator({ profile: 'fast', authFailureDelayMs: 10 });
  proxmox = createProxmoxClient({
    baseUrl: sim.url,
    auth: { kind: 'token', tokenId: DEFAULT_SIM_TOKEN.id, secret: DEFAULT_SIM_TOKEN.secret },
  });
});
afterAll(async () => {
  await proxmox?.close();
  await sim?.close();
});
beforeEach(() => {
  db = openDatabase(join(mkdtempSync(join(tmpdir(), 'gs-reconcile-')), 'db.sqlite'));
});
afterEach(async () => {
  db.$client.close();
  // Each test starts from a cluster with only the template.
  for (const vm of [...sim.state.vms]) {
    if (vm.config.template === '1') continue;
    const ref = { node: vm.node, vmid: vm.vmid };
    if (vm.status === 'running') await proxmox.waitForTask(await proxmox.power.stop(ref));
    await proxmox.waitForTask(await proxmox.qemu.delete(ref, { purge: true }));
  }
});

async function makeVm(tags: string[], running: boolean): Promise<number> {
  const vmid = nextVmid++;
  await proxmox.waitForTask(
    await proxmox.qemu.clone({ node: 'pve', vmid: 9000 }, { newid: vmid, name: `vm-${vmid}` }),
  );
  if (tags.length > 0) await proxmox.qemu.updateConfig({ node: 'pve', vmid }, { tags });
  if (running) await proxmox.waitForTask(await proxmox.power.start({ node: 'pve', vmid }));
  return vmid;
}

const exists = (vmid: number) => sim.state.vms.some((vm) => vm.vmid === vmid);
const statusOf = (vmid: number) => sim.state.vms.find((vm) => vm.vmid === vmid)?.status;

function insertServer(state: ServerState, vmid: number | null): string {
  const id = `srv_${String(serverCounter++).padStart(12, '0')}`;
  const at = new Date().toISOString();
  db.insert(servers)
    .values({
      id,
      name: `s${serverCounter}`,
      game: 'minecraft-java',
      guildId: '111111111111111111',
      ownerId: '222222222222222222',
      channelId: '444444444444444444',
      state,
      cores: 2,
      memoryMiB: 2048,
      diskGiB: 8,
      vmid,
      node: vmid === null ? null : 'pve',
      createdAt: at,
      updatedAt: at,
    })
    .run();
  return id;
}

function reconciler(settings: { destroyOrphans?: boolean; orphanGraceSeconds?: number } = {}) {
  return startReconciler(
    {
      config: {
        reconciler: { intervalSeconds: 60, destroyOrphans: false, orphanGraceSeconds: 0, ...settings },
      },
      db,
      logger,
      proxmox,
    },
    { autoStart: false },
  );
}

const serverRow = (id: string) => db.select().from(servers).where(eq(servers.id, id)).get()!;
const eventsOf = (serverId: string) => listEvents(db, 0, 100, { serverId }).map((e) => [e.type, e.data]);

describe('reconciler against the simulator', () => {
  it('marks a server failed (vm_missing) when its VM vanished, with events', async () => {
    const id = `srv_${String(serverCounter).padStart(12, '0')}`;
    const vmid = await makeVm(['guildserver', `gs-${id}`], false);
    expect(insertServer('stopped', vmid)).toBe(id);
    await proxmox.waitForTask(await proxmox.qemu.delete({ node: 'pve', vmid }, { purge: true }));

    const round = await reconciler().runOnce();
    expect(round.applied.map((a) => a.kind)).toEqual(['mark_vm_missing']);
    expect(serverRow(id)).toMatchObject({ state: 'failed', failureCode: 'vm_missing' });
    expect(serverRow(id).failureMessage).toContain(`VM ${vmid}`);
    const serverName = serverRow(id).name;
    expect(eventsOf(id)).toEqual([
      ['server.drift', { reason: 'vm_missing', vmid, serverName }],
      ['server.state_changed', { from: 'stopped', to: 'failed', reason: 'vm_missing', serverName }],
    ]);
  });

  it('leaves a server alone while a job runs for it', async () => {
    const id = insertServer('running', 19_999);
    db.insert(jobs)
      .values({
        id: 'job_000000000001',
        serverId: id,
        kind: 'stop',
        state: 'running',
        createdAt: new Date().toISOString(),
      })
      .run();
    const round = await reconciler().runOnce();
    expect(round.actions).toEqual([]);
    expect(serverRow(id).state).toBe('running');
  });

  it('follows power changes made outside GuildServer, both ways', async () => {
    const running = `srv_${String(serverCounter).padStart(12, '0')}`;
    const stoppedVm = await makeVm(['guildserver', `gs-${running}`], false);
    insertServer('running', stoppedVm);
    const stopped = `srv_${String(serverCounter).padStart(12, '0')}`;
    const runningVm = await makeVm(['guildserver', `gs-${stopped}`], true);
    insertServer('stopped', runningVm);

    const round = await reconciler().runOnce();
    expect(round.applied.map((a) => a.kind)).toEqual(['power_drift', 'power_drift']);
    expect(serverRow(running).state).toBe('stopped');
    expect(serverRow(stopped).state).toBe('running');
    const serverName = serverRow(running).name;
    expect(eventsOf(running)).toEqual([
      [
        'server.drift',
        { reason: 'power_state', vmid: stoppedVm, expected: 'running', actual: 'stopped', serverName },
      ],
      ['server.state_changed', { from: 'running', to: 'stopped', reason: 'outside', serverName }],
    ]);
    // Agreed now: the next round has nothing to do.
    expect((await reconciler().runOnce()).actions).toEqual([]);
  });

  it('does not judge power state while the node is offline', async () => {
    const id = `srv_${String(serverCounter).padStart(12, '0')}`;
    const vmid = await makeVm(['guildserver', `gs-${id}`], false);
    insertServer('running', vmid);
    sim.faults.nodeOffline('pve');
    try {
      const round = await reconciler().runOnce();
      expect(round.actions.filter((a) => 'serverId' in a && a.serverId === id)).toEqual([]);
      expect(serverRow(id).state).toBe('running');
    } finally {
      sim.faults.nodeOffline('pve', false);
    }
  });

  it('reports an orphan without touching it when destroying is off', async () => {
    const vmid = await makeVm(['guildserver', 'gs-srv_nosuchserver'], true);
    const r = reconciler({ destroyOrphans: false });
    const first = await r.runOnce();
    expect(first.applied).toContainEqual({
      kind: 'report_orphan',
      vmid,
      node: 'pve',
      serverId: 'srv_nosuchserver',
      name: `vm-${vmid}`,
    });
    await r.runOnce();
    expect(statusOf(vmid)).toBe('running');
    const drift = db
      .select()
      .from(events)
      .all()
      .filter((e) => e.type === 'server.drift' && JSON.parse(e.data).vmid === vmid);
    expect(drift).toHaveLength(1); // reported once, not every round
    expect(JSON.parse(drift[0]!.data)).toMatchObject({
      reason: 'orphan_vm',
      taggedServerId: 'srv_nosuchserver',
    });
  });

  it('destroys an orphan after the grace period when configured, and never a VM without our tag', async () => {
    const orphan = await makeVm(['guildserver', 'gs-srv_deletedlong'], true);
    const foreign = await makeVm(['production', 'gs-srv_deletedlong'], true);
    const untagged = await makeVm([], false);
    const r = reconciler({ destroyOrphans: true, orphanGraceSeconds: 0 });
    const first = await r.runOnce();
    expect(first.actions.map((a) => a.kind)).toEqual(['report_orphan']);
    expect(exists(orphan)).toBe(true);
    // A second round later: older than the (zero) grace period.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await r.runOnce();
    expect(second.applied.map((a) => a.kind)).toEqual(['destroy_orphan']);
    expect(exists(orphan)).toBe(false);
    expect(statusOf(foreign)).toBe('running');
    expect(exists(untagged)).toBe(true);
    const destroyed = db
      .select()
      .from(events)
      .all()
      .map((e) => JSON.parse(e.data) as Record<string, unknown>);
    expect(destroyed).toContainEqual(expect.objectContaining({ reason: 'orphan_destroyed', vmid: orphan }));
  });

  it("reclaims a warm-pool VM no pool row holds (an operator's copy of one) on its second sighting, with destroying off; never the pool's own", async () => {
    const poolTags = ['guildserver', 'gs-pool', 'game-openttd'];
    const held = await makeVm(poolTags, false);
    insertPoolVm(db, {
      game: 'openttd',
      mode: 'stopped',
      node: 'pve',
      vmid: held,
      imageVmid: 9000,
      recipe: '0123456789abcdef',
      size: { cores: 1, memory: 1024, disk: 8 },
    });
    const copied = await makeVm(poolTags, true);
    const r = reconciler({ destroyOrphans: false });
    expect((await r.runOnce()).actions).toEqual([]);
    expect(exists(copied)).toBe(true);
    const second = await r.runOnce();
    expect(second.applied).toEqual([
      { kind: 'reclaim_pool_vm', vmid: copied, node: 'pve', tags: [...poolTags].sort() },
    ]);
    expect(exists(copied)).toBe(false);
    expect(exists(held)).toBe(true);
    // Never a server's orphan, and never reported as one.
    const reasons = db
      .select()
      .from(events)
      .all()
      .map((e) => JSON.parse(e.data) as Record<string, unknown>);
    expect(reasons).toEqual([expect.objectContaining({ reason: 'orphan_destroyed', vmid: copied })]);
  });

  it('re-reads the tags before destroying: a VM re-tagged meanwhile survives', async () => {
    const vmid = await makeVm(['guildserver'], false);
    const r = reconciler({ destroyOrphans: true, orphanGraceSeconds: 0 });
    await r.runOnce();
    // Someone claims the VM between the listing and the destroy: simulate by re-tagging it after the listing.
    const resources = proxmox.cluster.resources.bind(proxmox.cluster);
    proxmox.cluster.resources = async (type) => {
      const listed = await resources(type);
      await proxmox.qemu.updateConfig({ node: 'pve', vmid }, { tags: ['kept-by-hand'] });
      return listed;
    };
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const round = await r.runOnce();
      expect(round.actions.map((a) => a.kind)).toEqual(['destroy_orphan']);
      expect(round.applied).toEqual([]);
      expect(exists(vmid)).toBe(true);
    } finally {
      proxmox.cluster.resources = resources;
    }
  });

  it('skips the round when Proxmox cannot be listed', async () => {
    const id = insertServer('running', 18_888);
    sim.faults.failNth({
      method: 'GET',
      path: '/cluster/resources',
      nth: 1,
      times: 10,
      status: 500,
      message: 'boom',
    });
    try {
      const round = await reconciler().runOnce();
      expect(round).toEqual({ listed: false, actions: [], applied: [] });
      expect(serverRow(id).state).toBe('running');
    } finally {
      sim.faults.clear();
    }
  });
});
