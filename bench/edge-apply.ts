// How long the edge takes to replace its whole nftables table (nft -c, then nft -f: one transaction) for 100,
// 1,000 and 10,000 servers of two published ports each, in a network namespace of its own. Needs root and nft.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ForwardingEntry, ForwardingTable } from '@guildserver/contracts';
import { applyRuleset, buildRuleset } from '@guildserver/edge';
import type { Benchmark } from './benchmark';
import { printJsonLine, printTable } from './report';

const run = promisify(execFile);
const SIZES = [100, 1_000, 10_000];
const RUNS = 5;

function tableOf(servers: number, generation: number): ForwardingTable {
  const entries: ForwardingEntry[] = [];
  for (let i = 0; i < servers; i++) {
    const vmIpv4 = `10.${100 + Math.floor(i / 65_000)}.${Math.floor(i / 250) % 256}.${(i % 250) + 1}`;
    const base = { serverId: `srv_b${String(i).padStart(11, '0')}`, serverName: `bench-${i}`, vmIpv4 };
    entries.push({ ...base, protocol: 'tcp', publishedPort: 20_000 + 2 * i, guestPort: 25565 });
    entries.push({ ...base, protocol: 'udp', publishedPort: 20_001 + 2 * i, guestPort: 27015 });
  }
  return { generation, portRange: { first: 20_000, last: 20_000 + 2 * servers }, entries };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export const edgeApply: Benchmark = {
  name: 'edge-apply',
  summary: 'the edge replaces its nftables table for 100 / 1,000 / 10,000 servers (root, nft)',
  async run() {
    if (process.getuid?.() !== 0) {
      console.log('  skipped: needs root (nft changes a network namespace the benchmark makes)');
      return;
    }
    const netns = `gsbench-edge-${process.pid}`;
    await run('ip', ['netns', 'add', netns]);
    const rows: Record<string, string | number>[] = [];
    try {
      for (const servers of SIZES) {
        const builds: number[] = [];
        const applies: number[] = [];
        let bytes = 0;
        for (let generation = 1; generation <= RUNS; generation++) {
          const table = tableOf(servers, generation);
          let started = performance.now();
          const ruleset = buildRuleset(table, { snat: true });
          builds.push(performance.now() - started);
          bytes = ruleset.text.length;
          started = performance.now();
          await applyRuleset(ruleset.text, { netns });
          applies.push(performance.now() - started);
        }
        rows.push({
          servers,
          ports: servers * 2,
          'ruleset KiB': Math.round(bytes / 1024),
          'build ms (median)': Number(median(builds).toFixed(1)),
          'check + apply ms (median)': Math.round(median(applies)),
          'check + apply ms (max)': Math.round(Math.max(...applies)),
        });
      }
    } finally {
      await run('ip', ['netns', 'del', netns]).catch(() => {});
    }
    printTable(`Replacing the whole table, ${RUNS} generations each (the first creates it)`, rows);
    printJsonLine('edge-apply', { rows });
  },
};
