// The entry points tests start as processes (gs, the API, the edge, the bot, the crash tests' worker), bundled
// once per run with esbuild into a temp folder: node starts a bundle in about a quarter of the CPU time tsx
// takes to compile the sources. Tests take node's arguments from test/support/entry.ts.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENTRY_POINTS, REPO_ROOT, repoPath } from '@guildserver/paths';
import type { TestProject } from 'vitest/node';
import { bundle } from '../scripts/bundle.mjs';

const BUNDLED = { ...ENTRY_POINTS, 'crash-worker': 'apps/api/test/pipeline/worker-process.ts' };
export type BundledEntry = keyof typeof BUNDLED;

declare module 'vitest' {
  export interface ProvidedContext {
    bundleDir: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'gs-test-bundles-'));
  chmodSync(dir, 0o755); // one test runs gs as user nobody
  const entries = Object.fromEntries(
    Object.entries(BUNDLED).map(([name, source]) => [name, repoPath(source)]),
  );
  const build = () => bundle({ entries, outdir: dir, root: REPO_ROOT });
  await build();
  // Watch mode: each rerun's processes run the sources as they are now.
  project.onTestsRerun(build);
  project.provide('bundleDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
