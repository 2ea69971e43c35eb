// Where Discord's OpenAPI description comes from: an explicit path, else the shared reference next to the
// repository (`<repo>/../shared/reference/discord/openapi.json`), else the copy vendored in this package.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoPath } from '@guildserver/paths';

const PACKAGE_DIR = repoPath('packages', 'discord-fake');
export const VENDORED_SPEC = join(PACKAGE_DIR, 'spec', 'openapi.json');
export const REFERENCE_SPEC = resolve(
  PACKAGE_DIR,
  '..',
  '..',
  '..',
  'shared',
  'reference',
  'discord',
  'openapi.json',
);

export function locateSpec(explicit?: string): string {
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`Discord OpenAPI spec not found at ${explicit}`);
    return explicit;
  }
  return existsSync(REFERENCE_SPEC) ? REFERENCE_SPEC : VENDORED_SPEC;
}
