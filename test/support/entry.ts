// How tests start an entry point as a process: node on its bundle, built once per run (test/global-bundles.ts),
// rather than tsx compiling its sources at every start.
import { join } from 'node:path';
import { inject } from 'vitest';
import type { BundledEntry } from '../global-bundles.js';

export function entryArgs(entry: BundledEntry): string[] {
  return [join(inject('bundleDir'), `${entry}.mjs`)];
}
