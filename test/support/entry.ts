// How tests start an entry point as a process: node on its bundle, built once per run (test/global-bundles.ts),
// rather than tsx compiling its sources at every start. Outside vitest (the benchmarks, which share the lab's
// support code), from source as `pnpm gs` does.
import { join } from 'node:path';
import { type EntryPoint, entryArgs as sourceEntryArgs } from '@guildserver/paths';
import { inject } from 'vitest';
import type { BundledEntry } from '../global-bundles.js';

export function entryArgs(entry: BundledEntry): string[] {
  if (process.env.VITEST === undefined && entry !== 'crash-worker')
    return sourceEntryArgs(entry as EntryPoint);
  return [join(inject('bundleDir'), `${entry}.mjs`)];
}
