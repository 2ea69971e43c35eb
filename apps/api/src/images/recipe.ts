// A game image's recipe: everything its install part is made of — the game's playbook, every role it runs
// (with the roles those include), the catalog's ports, the sealing playbook — and the base template it starts
// from. The hash of all that names an image: an image whose hash differs from today's is stale.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { GameDefinition } from '@guildserver/games';

/** The base template an image is cloned from: its VM id and PVE's digest of its config. */
export interface BaseTemplate {
  vmid: number;
  digest: string;
}

export interface Recipe {
  /** 16 hex characters of SHA-256: short enough for a description line, long enough never to collide. */
  hash: string;
  /** The files hashed, relative to the Ansible folder, in the order hashed. */
  files: string[];
}

/** Hashed into every recipe beside the game's own files. */
const SHARED_FILES = ['vars/catalog_ports.yml', 'playbooks/seal.yml'];

export function gameRecipe(
  game: Pick<GameDefinition, 'id' | 'playbook'>,
  ansibleDir: string,
  base: BaseTemplate,
): Recipe {
  const files = [game.playbook, ...SHARED_FILES.filter((f) => existsSync(join(ansibleDir, f)))];
  for (const role of rolesOf(ansibleDir, game.playbook))
    files.push(...filesUnder(ansibleDir, join('roles', role)));
  const hash = createHash('sha256');
  hash.update(`game ${game.id}\nbase ${base.vmid} ${base.digest}\n`);
  for (const file of files) {
    hash.update(`file ${file}\n`);
    hash.update(readFileSync(join(ansibleDir, file)));
  }
  return { hash: hash.digest('hex').slice(0, 16), files };
}

/** The roles a playbook runs (`- role: x`), then every role those include (`include_role: name: y`), once each. */
export function rolesOf(ansibleDir: string, playbook: string): string[] {
  const roles: string[] = [];
  const pending = [
    ...readFileSync(join(ansibleDir, playbook), 'utf8').matchAll(/^\s*-\s*role:\s*([\w.-]+)/gm),
  ].map((m) => m[1]!);
  while (pending.length > 0) {
    const role = pending.shift()!;
    if (roles.includes(role) || !existsSync(join(ansibleDir, 'roles', role))) continue;
    roles.push(role);
    for (const file of filesUnder(ansibleDir, join('roles', role))) {
      const text = readFileSync(join(ansibleDir, file), 'utf8');
      for (const m of text.matchAll(/(?:include|import)_role:\s*\n\s+name:\s*([\w.-]+)/g))
        pending.push(m[1]!);
    }
  }
  return roles;
}

function filesUnder(ansibleDir: string, folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else found.push(relative(ansibleDir, path));
    }
  };
  walk(join(ansibleDir, folder));
  return found;
}
