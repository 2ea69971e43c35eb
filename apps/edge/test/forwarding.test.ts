// The edge's table with real nftables, as a player reaches it: from a player namespace through the edge's
// public address to a VM namespace's real TCP and UDP service (test/support/netns-world.ts).
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { ForwardingEntry, ForwardingTable } from '@guildserver/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyRuleset,
  buildRuleset,
  decideSnat,
  forgetFlows,
  listTable,
  localListeners,
  lookupRoutes,
  NftError,
  readCounters,
  removeTable,
} from '../src/index.js';
import {
  EDGE_VM_SIDE_ADDRESS,
  GAME_PORT,
  missingForNetns,
  type NetnsWorld,
  PLAYER_ADDRESS,
  startNetnsWorld,
  VM_ADDRESS,
} from './support/netns-world.js';

const run = promisify(execFile);
const missing = await missingForNetns();
if (missing.length > 0) console.warn(`SKIPPING the edge's nftables tests: they need ${missing.join(', ')}`);

const RANGE = { first: 20_000, last: 29_999 };
const survival = (protocol: 'tcp' | 'udp', publishedPort: number): ForwardingEntry => ({
  serverId: 'srv_survival0001',
  serverName: 'survival',
  vmIpv4: VM_ADDRESS,
  protocol,
  publishedPort,
  guestPort: GAME_PORT,
});
const tableOf = (generation: number, entries: ForwardingEntry[]): ForwardingTable => ({
  generation,
  portRange: RANGE,
  entries,
});

describe.skipIf(missing.length > 0)('the edge forwarding with real nftables', () => {
  let world: NetnsWorld;
  const edge = () => ({ netns: world.edge });
  const apply = (table: ForwardingTable, snat = false) =>
    applyRuleset(buildRuleset(table, { snat }).text, edge());

  beforeAll(async () => {
    world = await startNetnsWorld();
  });
  afterAll(() => world?.close());

  it('forwards the published TCP and UDP ports to the VM, and the game sees the player’s own address', async () => {
    expect(await world.play(20_000, 'tcp')).toBe('error ECONNREFUSED');
    await apply(tableOf(1, [survival('tcp', 20_000), survival('udp', 20_001)]));
    expect(await world.play(20_000, 'tcp')).toBe(`hello ${PLAYER_ADDRESS}`);
    expect(await world.play(20_001, 'udp')).toBe(`hello ${PLAYER_ADDRESS}`);
    // Nothing else of the range forwards: the UDP port is not open over TCP, nor a neighbour port.
    expect(await world.play(20_001, 'tcp')).toBe('error ECONNREFUSED');
    expect(await world.play(20_002, 'tcp')).toBe('error ECONNREFUSED');
  });

  it('with source NAT, the game sees the edge instead', async () => {
    await apply(tableOf(2, [survival('tcp', 20_000), survival('udp', 20_001)]), true);
    expect(await world.play(20_000, 'tcp')).toBe(`hello ${EDGE_VM_SIDE_ADDRESS}`);
    expect(await world.play(20_001, 'udp')).toBe(`hello ${EDGE_VM_SIDE_ADDRESS}`);
  });

  it('masquerades only the VMs named, when source NAT is decided per VM', async () => {
    await applyRuleset(
      buildRuleset(tableOf(2, [survival('tcp', 20_000)]), { snat: new Set(['10.99.0.1']) }).text,
      edge(),
    );
    expect(await world.play(20_000, 'tcp')).toBe(`hello ${PLAYER_ADDRESS}`);
    await applyRuleset(
      buildRuleset(tableOf(2, [survival('tcp', 20_000)]), { snat: new Set([VM_ADDRESS]) }).text,
      edge(),
    );
    expect(await world.play(20_000, 'tcp')).toBe(`hello ${EDGE_VM_SIDE_ADDRESS}`);
  });

  it('counts the packets and bytes players send to each published port, and a new table starts at 0', async () => {
    await apply(tableOf(3, [survival('tcp', 20_000), survival('udp', 20_001)]));
    expect(await readCounters(edge())).toEqual([
      expect.objectContaining({ protocol: 'tcp', port: 20_000, packets: 0, bytes: 0 }),
      expect.objectContaining({ protocol: 'udp', port: 20_001, packets: 0, bytes: 0 }),
    ]);
    expect(await world.play(20_000, 'tcp')).toBe(`hello ${PLAYER_ADDRESS}`);
    expect(await world.play(20_001, 'udp')).toBe(`hello ${PLAYER_ADDRESS}`);
    expect(await world.play(20_001, 'udp')).toBe(`hello ${PLAYER_ADDRESS}`);
    const counts = (await readCounters(edge()))!;
    const tcp = counts.find((c) => c.protocol === 'tcp')!;
    const udp = counts.find((c) => c.protocol === 'udp')!;
    // TCP: SYN, the ACK, "hi", the FIN and ACKs, every one counted (not only a connection's first packet).
    expect(tcp).toMatchObject({ serverId: 'srv_survival0001', serverName: 'survival' });
    expect(tcp.packets).toBeGreaterThanOrEqual(4);
    expect(tcp.bytes).toBeGreaterThan(tcp.packets * 40);
    // UDP: two datagrams of "hi" (20 + 8 + 2 bytes each); the replies from the VM are not counted.
    expect(udp).toMatchObject({ packets: 2, bytes: 60 });
    await apply(tableOf(4, [survival('tcp', 20_000)]));
    expect(await readCounters(edge())).toEqual([
      expect.objectContaining({ protocol: 'tcp', port: 20_000, packets: 0, bytes: 0 }),
    ]);
  });

  it('tells from the routes which VMs need source NAT, and sees the edge’s own listening ports', async () => {
    await run('ip', ['-n', world.edge, 'route', 'add', '10.88.0.0/16', 'via', VM_ADDRESS]);
    const view = await lookupRoutes([VM_ADDRESS, '10.88.0.7', '203.0.113.9'], world.edge);
    expect(decideSnat(VM_ADDRESS, view).snat).toBe(false);
    expect(decideSnat('10.88.0.7', view)).toMatchObject({ snat: true });
    expect(view.routes.has('203.0.113.9')).toBe(false);
    expect(decideSnat('203.0.113.9', view).snat).toBe(true);

    const listener = spawn(
      'ip',
      [
        'netns',
        'exec',
        world.edge,
        process.execPath,
        '-e',
        "require('node:net').createServer().listen(20007, () => console.log('up'))",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve) => listener.stdout!.once('data', () => resolve()));
      const keys = await localListeners(world.edge);
      expect(keys.has('tcp/20007')).toBe(true);
      expect((await localListeners()).has('tcp/20007')).toBe(false);
    } finally {
      listener.kill('SIGKILL');
    }
  });

  it('a definition nft refuses changes nothing: the table in force keeps forwarding', async () => {
    await apply(tableOf(3, [survival('tcp', 20_000)]));
    const broken = `${buildRuleset(tableOf(4, []), { snat: false }).text}\ntable inet guildserver { chain x { nonsense } }\n`;
    await expect(applyRuleset(broken, edge())).rejects.toThrow(NftError);
    expect(await world.play(20_000, 'tcp')).toBe(`hello ${PLAYER_ADDRESS}`);
  });

  it('a new generation without the server closes its ports at once', async () => {
    await apply(tableOf(5, [survival('tcp', 20_000), survival('udp', 20_001)]));
    expect(await world.play(20_000, 'tcp')).toBe(`hello ${PLAYER_ADDRESS}`);
    await apply(tableOf(6, []));
    expect(await world.play(20_000, 'tcp')).toBe('error ECONNREFUSED');
    expect(await world.play(20_001, 'udp')).not.toMatch(/^hello/);
  });

  it('forgets the flows the kernel already translated to a closed port: a UDP client that keeps sending reaches nothing', async () => {
    await apply(tableOf(7, [survival('udp', 20_001)]));
    expect(await world.play(20_001, 'udp', 40_001)).toBe(`hello ${PLAYER_ADDRESS}`);
    await apply(tableOf(8, []));
    // conntrack remembers the translation: the same flow still reaches the VM until it is forgotten.
    expect(await world.play(20_001, 'udp', 40_001)).toBe(`hello ${PLAYER_ADDRESS}`);
    expect(await forgetFlows([{ protocol: 'udp', port: 20_001 }], edge())).toBe('forgotten');
    expect(await world.play(20_001, 'udp', 40_001)).not.toMatch(/^hello/);
    // Nothing to forget is not a failure.
    expect(await forgetFlows([{ protocol: 'tcp', port: 20_002 }], edge())).toBe('forgotten');
  });

  it('touches no other table, and removing its own leaves nothing of it', async () => {
    await run('ip', ['netns', 'exec', world.edge, 'nft', 'add table inet someone_else']);
    await run('ip', [
      'netns',
      'exec',
      world.edge,
      'nft',
      'add chain inet someone_else input { type filter hook input priority 0; }',
    ]);
    await apply(tableOf(7, [survival('tcp', 20_000)]));
    expect(await removeTable(edge())).toBe(true);
    expect(await removeTable(edge())).toBe(false); // twice: nothing to remove is not a failure
    expect(await listTable(edge())).toBeUndefined();
    expect(await readCounters(edge())).toBeUndefined();
    expect(await world.play(20_000, 'tcp')).toBe('error ECONNREFUSED');
    const { stdout } = await run('ip', ['netns', 'exec', world.edge, 'nft', 'list', 'tables']);
    expect(stdout).toContain('table inet someone_else');
  });

  it('applies a table of 1,000 servers in one transaction, and the one among them that is real answers', async () => {
    const entries: ForwardingEntry[] = Array.from({ length: 1_000 }, (_, i) => ({
      serverId: `srv_bulk${String(i).padStart(8, '0')}`,
      serverName: `bulk-${i}`,
      vmIpv4: i === 500 ? VM_ADDRESS : `10.78.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      protocol: 'tcp',
      publishedPort: 21_000 + i,
      guestPort: i === 500 ? GAME_PORT : 7777,
    }));
    const started = performance.now();
    await apply(tableOf(8, entries));
    console.log(
      `[edge] 1,000 servers applied in ${Math.round(performance.now() - started)} ms (nft -c, then nft -f)`,
    );
    const listed = (await listTable(edge())) as { nftables: { map?: { name: string; elem?: unknown[] } }[] };
    const tcp = listed.nftables.find((item) => item.map?.name === 'published_tcp')?.map;
    expect(tcp?.elem).toHaveLength(1_000);
    expect(await world.play(21_500, 'tcp')).toBe(`hello ${PLAYER_ADDRESS}`);
  });
});
