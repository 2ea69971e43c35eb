// A game image's recipe hash changes exactly when what its install is made of changes.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { getGame } from '@guildserver/games';
import { describe, expect, it } from 'vitest';
import { gameRecipe, rolesOf } from '../../src/images/recipe.js';
import { REPO_ANSIBLE_DIR } from '../../src/pipeline/game/ansible-dir.js';
import { useAnsibleCopies } from '../support/game-images.js';

const BASE = { vmid: 9000, digest: 'a1b2c3' };
const openttd = getGame('openttd');
const luanti = getGame('luanti');
const ansibleCopy = useAnsibleCopies();

describe('game recipes', () => {
  it('hash the playbook, its roles and the roles they include, and nothing of other games', () => {
    expect(rolesOf(REPO_ANSIBLE_DIR, getGame('ark').playbook)).toEqual(['common', 'steamcmd', 'ark']);
    const files = gameRecipe(openttd, REPO_ANSIBLE_DIR, BASE).files;
    expect(files).toContain('playbooks/openttd.yml');
    expect(files).toContain('vars/catalog_ports.yml');
    expect(files.some((f) => f.startsWith('roles/common/'))).toBe(true);
    expect(files.some((f) => f.startsWith('roles/openttd/'))).toBe(true);
    expect(files.some((f) => f.startsWith('roles/luanti/'))).toBe(false);
  });

  it("change when the game's own role, a shared role or the base template changes; not for another game's role", () => {
    const dir = ansibleCopy();
    const hashes = () => [gameRecipe(openttd, dir, BASE).hash, gameRecipe(luanti, dir, BASE).hash];
    const [openttd0, luanti0] = hashes();
    expect(openttd0).toMatch(/^[0-9a-f]{16}$/);
    expect(hashes()).toEqual([openttd0, luanti0]);

    appendFileSync(join(dir, 'roles/openttd/tasks/main.yml'), '\n# changed\n');
    const [openttd1, luanti1] = hashes();
    expect(openttd1).not.toBe(openttd0);
    expect(luanti1).toBe(luanti0);

    appendFileSync(join(dir, 'roles/common/tasks/main.yml'), '\n# changed\n');
    const [openttd2, luanti2] = hashes();
    expect(openttd2).not.toBe(openttd1);
    expect(luanti2).not.toBe(luanti1);

    expect(gameRecipe(openttd, dir, { ...BASE, digest: 'other' }).hash).not.toBe(openttd2);
    expect(gameRecipe(openttd, dir, { ...BASE, vmid: 9001 }).hash).not.toBe(openttd2);
  });
});
