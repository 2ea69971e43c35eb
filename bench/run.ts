// `pnpm bench` runs every benchmark; `pnpm bench <name> [...]` runs the named ones.
import { availableParallelism, cpus } from 'node:os';
import { apiCreates } from './api-creates';
import { apiList } from './api-list';
import { backupRestore } from './backup-restore';
import type { Benchmark } from './benchmark';
import { clientOverhead } from './client-overhead';
import { discordInteractions } from './discord-interactions';
import { edgeApply } from './edge-apply';
import { edgeAsleep } from './edge-asleep';
import { edgeForwarding } from './edge-forwarding';
import { edgePublish } from './edge-publish';
import { labProvision } from './lab-provision';
import { parallelProvision } from './parallel-provision';
import { simThroughput } from './sim-throughput';

const BENCHMARKS: Benchmark[] = [
  simThroughput,
  clientOverhead,
  parallelProvision,
  apiList,
  apiCreates,
  discordInteractions,
  edgeApply,
  edgeForwarding,
  edgePublish,
  edgeAsleep,
  backupRestore,
];
/** Run only when named (`pnpm bench:lab`): real VMs take minutes and need root. */
const ON_REQUEST: Benchmark[] = [labProvision];

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((arg) => arg !== '--');
  const known = [...BENCHMARKS, ...ON_REQUEST];
  const unknown = names.filter((name) => !known.some((b) => b.name === name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.map((n) => `'${n}'`).join(', ')}; choose from:`);
    for (const b of known) console.error(`  ${b.name.padEnd(20)} ${b.summary}`);
    process.exit(2);
  }
  const chosen = names.length === 0 ? BENCHMARKS : known.filter((b) => names.includes(b.name));

  console.log(
    `GuildServer benchmarks — Node ${process.version}, ${availableParallelism()} CPU(s) (${cpus()[0]?.model.trim() ?? 'unknown'}), ${new Date().toISOString()}`,
  );
  for (const benchmark of chosen) {
    console.log(`\n=== ${benchmark.name}: ${benchmark.summary}`);
    const started = performance.now();
    await benchmark.run();
    console.log(`=== ${benchmark.name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

await main();
