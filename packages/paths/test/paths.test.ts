// From source (as vitest runs it): the repository is found from this package's place, and entry points start
// through tsx, as `pnpm gs` and scripts/start.sh start them. The bundled side is what every process test runs.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENTRY_POINTS, entryArgs, REPO_ROOT, repoPath } from '../src/index.js';

describe('paths from source', () => {
  it('finds the repository and its files', () => {
    expect(JSON.parse(readFileSync(repoPath('package.json'), 'utf8')).name).toBe('guildserver');
    for (const source of Object.values(ENTRY_POINTS)) expect(existsSync(repoPath(source)), source).toBe(true);
  });
  it('starts an entry point from its source through tsx', () => {
    expect(entryArgs('api')).toEqual(['--import', 'tsx', `${REPO_ROOT}/apps/api/src/main.ts`]);
  });
});
