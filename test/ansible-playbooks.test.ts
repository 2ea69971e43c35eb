// Every game of the catalog has a playbook that Ansible accepts, that ansible-lint's production profile finds
// clean, and that agrees with the catalog: the ports its firewall opens by default (generated from the catalog)
// and the settings it knows.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { playbookHosts } from '../apps/api/src/pipeline/game/playbook-vars';
import { GAMES } from '../packages/games/src/index';
import { CATALOG_PORTS_FILE, catalogPortsVariable, catalogPortsYaml } from '../scripts/catalog-ports';
import { ANSIBLE_DIR } from './support/ansible-run';
import { catalogPortEntries, type PortEntry } from './support/api-vars';
import { loadYaml } from './support/yaml';

const run = promisify(execFile);

const roleOf = (gameId: string) => gameId.replaceAll('-', '_');

describe('ansible/ playbooks', () => {
  it('has one playbook per catalog game, where the catalog says', () => {
    const missing = GAMES.filter((game) => !existsSync(join(ANSIBLE_DIR, game.playbook))).map(
      (g) => g.playbook,
    );
    expect(missing).toEqual([]);
  });

  it('passes ansible-playbook --syntax-check', async () => {
    const playbooks = GAMES.map((game) => game.playbook);
    const { stdout } = await run('ansible-playbook', ['--syntax-check', ...playbooks], {
      cwd: ANSIBLE_DIR,
      env: { ...process.env, ANSIBLE_NOCOLOR: '1' },
    });
    for (const playbook of playbooks) expect(stdout).toContain(`playbook: ${playbook}`);
  }, 120_000);

  it('is clean under ansible-lint --profile production', async () => {
    const result = await run('ansible-lint', ['--offline', '--profile', 'production', '--nocolor'], {
      cwd: ANSIBLE_DIR,
      env: { ...process.env, NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout: string; stderr: string }) => error);
    const output = `${result.stdout}\n${result.stderr}`;
    expect(output, output).toMatch(/Passed with production profile: 0 failure\(s\), 0 warning\(s\)/);
  }, 300_000);

  it('gates every licence on a variable the catalog names, so GAME_LICENSES_ACCEPTED reaches it', async () => {
    const roles = await readdir(join(ANSIBLE_DIR, 'roles'));
    const defaults = roles.map((role) => join(ANSIBLE_DIR, 'roles', role, 'defaults', 'main.yml'));
    const declared = new Set<string>();
    for (const file of defaults.filter((f) => existsSync(f))) {
      const values = (await loadYaml(file)) as Record<string, unknown>;
      for (const [key, value] of Object.entries(values)) {
        if (/_accept_(eula|license)$/.test(key)) {
          expect(value, `${key} must default to false`).toBe(false);
          declared.add(key);
        }
      }
    }
    const named = new Set(GAMES.flatMap((game) => game.licences.map((need) => need.ansibleVar)));
    expect([...named].sort()).toEqual([...declared].sort());
    for (const variable of named) {
      const { stdout } = await run('grep', [
        '-rlF',
        '-e',
        `- ${variable} | bool`,
        join(ANSIBLE_DIR, 'roles'),
      ]);
      expect(stdout, `an assert on ${variable}`).toMatch(/tasks\/main\.yml/);
    }
  });

  it('takes its default ports from the catalog, as `pnpm ansible:ports` writes them', () => {
    expect(readFileSync(CATALOG_PORTS_FILE, 'utf8'), 'run pnpm ansible:ports').toBe(catalogPortsYaml());
  });

  describe.each(GAMES.map((game) => [game.id, game] as const))('%s', (_id, game) => {
    it("runs only on its own game's hosts (the inventories' game_ group), never on all", async () => {
      const plays = (await loadYaml(join(ANSIBLE_DIR, game.playbook))) as { hosts: string }[];
      expect(plays.map((play) => play.hosts)).toEqual([playbookHosts(game)]);
    });

    it("opens by default exactly the catalog's ports, one entry per protocol", async () => {
      const [play] = (await loadYaml(join(ANSIBLE_DIR, game.playbook))) as {
        vars_files: string[];
        vars: Record<string, unknown>;
        roles: { role: string }[];
      }[];
      expect(play!.vars.game_ports).toMatch(/^\{\{ guildserver_ports \| default\(\w+_catalog_ports\) \}\}$/);
      const name = /default\((\w+)\)/.exec(String(play!.vars.game_ports))![1]!;
      expect(name).toBe(catalogPortsVariable(game));
      expect(play!.vars_files.map((file) => join(ANSIBLE_DIR, 'playbooks', file))).toEqual([
        CATALOG_PORTS_FILE,
      ]);
      const catalogVars = (await loadYaml(CATALOG_PORTS_FILE)) as Record<string, unknown>;
      const defaults = (catalogVars[name] as PortEntry[])
        .map((p) => `${p.purpose} ${p.guest_port}/${p.protocol}`)
        .sort();
      const catalog = catalogPortEntries(game)
        .map((p) => `${p.purpose} ${p.guest_port}/${p.protocol}`)
        .sort();
      expect(defaults).toEqual(catalog);
      for (const entry of catalogVars[name] as PortEntry[]) expect(entry.port).toBe(entry.guest_port);
      expect(play!.roles.map((r) => r.role)[0]).toBe('common');
      expect(play!.roles.map((r) => r.role)).toContain(roleOf(game.id));
    });

    it("knows the catalog's settings with the catalog's defaults", async () => {
      const role = roleOf(game.id);
      const defaults = (await loadYaml(join(ANSIBLE_DIR, 'roles', role, 'defaults', 'main.yml'))) as Record<
        string,
        Record<string, unknown>
      >;
      const known = defaults[`${role}_settings_defaults`];
      expect(known, `roles/${role}/defaults/main.yml has ${role}_settings_defaults`).toBeDefined();
      expect(Object.keys(known!).sort()).toEqual(game.settings.map((s) => s.key).sort());
      for (const setting of game.settings) {
        if (setting.type === 'password') continue;
        const value = known![setting.key];
        if (setting.key === 'serverName') {
          expect(value).toContain(setting.default as string);
          continue;
        }
        expect({ [setting.key]: value }).toEqual({ [setting.key]: setting.default });
      }
    });
  });
});
