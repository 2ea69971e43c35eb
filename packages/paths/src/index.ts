// Where the repository's files are (ansible/, the API's migrations, pve-sim's schema-data, discord-fake's
// spec) and how to start an entry point, whether this code runs from source or from a bundle. Code must find
// those files through here, never from its own module's place: a bundle (scripts/bundle.mjs) has one place,
// its own, so its build defines GUILDSERVER_ROOT, the folder laid out like the repository that it reads them
// from (the checkout, for the test suite's bundles).
import { join } from 'node:path';

declare const GUILDSERVER_ROOT: string | undefined;
const bundledRoot = typeof GUILDSERVER_ROOT === 'string' ? GUILDSERVER_ROOT : undefined;

export const REPO_ROOT = bundledRoot ?? join(import.meta.dirname, '..', '..', '..');

export function repoPath(...segments: string[]): string {
  return join(REPO_ROOT, ...segments);
}

/** The entry points started as processes, by the name of their bundle (`<name>.mjs`, side by side). */
export const ENTRY_POINTS = {
  gs: 'apps/cli/src/main.ts',
  api: 'apps/api/src/main.ts',
  edge: 'apps/edge/src/main.ts',
  bot: 'apps/discord-bot/src/main.ts',
} as const;
export type EntryPoint = keyof typeof ENTRY_POINTS;

/** node's arguments that start an entry point: from a bundle, its bundle beside this one; from source, its source through tsx. */
export function entryArgs(entry: EntryPoint): string[] {
  return bundledRoot === undefined
    ? ['--import', 'tsx', repoPath(ENTRY_POINTS[entry])]
    : [join(import.meta.dirname, `${entry}.mjs`)];
}
