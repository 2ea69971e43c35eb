// playbooks/seal.yml seals a VM, after a game's `--tags install` run, into a game image that servers are cloned
// from. It removes what each game role lists as per server (<role>_seal_paths in its defaults): this test holds
// those lists against the role files, so that whatever a configure part writes goes, and nothing an install part
// put there does.
import { execFile } from 'node:child_process';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { GAMES } from '../packages/games/src/index';
import { ANSIBLE_DIR } from './support/ansible-run';
import { loadYaml } from './support/yaml';

const run = promisify(execFile);

const SEAL = 'playbooks/seal.yml';

type Yaml = Record<string, unknown>;

/**
 * Files seal.yml puts back rather than removes, with the variable holding what it writes: the configure part's
 * firewall gives way to the baseline of a fresh VM.
 */
const RESET: Record<string, string> = { '/etc/nftables.conf': 'common_seal_firewall' };

/**
 * Modules that write a whole file of the configure part (and `creates` of command/shell: a file the command
 * makes). Not `replace`: Project Zomboid's configure part edits the heap size into a file its install part
 * downloaded, which stays in the image (a clone's configure part sets it again).
 */
const CONFIGURE_WRITES: Record<string, string[]> = {
  template: ['dest'],
  copy: ['dest'],
  lineinfile: ['dest', 'path'],
  blockinfile: ['dest', 'path'],
};
/** What the install part makes: its files and folders must all stay in the image. */
const INSTALL_WRITES: Record<string, string[]> = {
  ...CONFIGURE_WRITES,
  file: ['path', 'dest'],
  get_url: ['dest'],
  unarchive: ['dest'],
};

interface RoleTask {
  role: string;
  tags: string[];
  task: Yaml;
  /** Variables the task sees beyond the roles' defaults (an include_role's `vars`). */
  vars: Yaml;
}

const asList = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

function moduleOf(task: Yaml): [string, unknown] | undefined {
  for (const [key, value] of Object.entries(task)) {
    const name = key.replace(/^ansible\.builtin\./, '');
    if (key.startsWith('ansible.builtin.') || name in INSTALL_WRITES) return [name, value];
  }
  return undefined;
}

const parsed = new Map<string, Promise<unknown>>();
function loadOnce(file: string): Promise<unknown> {
  if (!parsed.has(file)) parsed.set(file, loadYaml(file));
  return parsed.get(file)!;
}

/** A role's tasks with the tags they end up with, following imports, blocks and include_role (as ansible-tags). */
async function roleTasks(role: string, file = 'main.yml', inherited: string[] = [], vars: Yaml = {}) {
  const entries = ((await loadOnce(join(ANSIBLE_DIR, 'roles', role, 'tasks', file))) ?? []) as Yaml[];
  return tasksOf(role, entries, inherited, vars);
}

async function tasksOf(role: string, entries: Yaml[], inherited: string[], vars: Yaml): Promise<RoleTask[]> {
  const tasks: RoleTask[] = [];
  for (const entry of entries) {
    const tags = [...inherited, ...asList(entry.tags)];
    const imported = entry['ansible.builtin.import_tasks'] ?? entry.import_tasks;
    if (imported !== undefined) {
      tasks.push(...(await roleTasks(role, String(imported), tags, vars)));
      continue;
    }
    if (entry.block) {
      for (const children of [entry.block, entry.rescue, entry.always]) {
        tasks.push(...(await tasksOf(role, (children ?? []) as Yaml[], tags, vars)));
      }
      continue;
    }
    tasks.push({ role, tags, task: entry, vars });
    const included = (entry['ansible.builtin.include_role'] ?? entry.include_role) as Yaml | undefined;
    if (included?.tasks_from) {
      const applied = asList((included.apply as Yaml | undefined)?.tags);
      const scope = { ...vars, ...((entry.vars as Yaml | undefined) ?? {}) };
      tasks.push(...(await roleTasks(String(included.name), `${included.tasks_from}.yml`, applied, scope)));
    }
  }
  return tasks;
}

/** `{{ name }}` and `{{ name | dirname }}` replaced from `vars`, recursively; undefined when anything else is left. */
function resolve(text: string, vars: Yaml, depth = 0): string | undefined {
  if (depth > 10) return undefined;
  let resolved = true;
  const out = text.replace(
    /\{\{\s*([A-Za-z_]\w*)\s*(\|\s*dirname\s*)?\}\}/g,
    (whole, name: string, dirname) => {
      const value = vars[name];
      const inner =
        typeof value === 'string' || typeof value === 'number'
          ? resolve(String(value), vars, depth + 1)
          : undefined;
      if (inner === undefined) {
        resolved = false;
        return whole;
      }
      return dirname ? posix.dirname(inner) : inner;
    },
  );
  return resolved && !out.includes('{{') ? out : undefined;
}

/** The values `item` takes: a loop over a literal list or over a variable holding one; [undefined] without a loop. */
function loopItems(task: Yaml, vars: Yaml): unknown[] {
  const loop = task.loop ?? task.with_items;
  if (loop === undefined) return [undefined];
  if (Array.isArray(loop)) return loop;
  const name = /^\{\{\s*([A-Za-z_]\w*)\s*\}\}$/.exec(String(loop))?.[1];
  const value = name ? vars[name] : undefined;
  return Array.isArray(value) ? value : [{ unknown: String(loop) }];
}

interface Written {
  task: string;
  /** The path, or the unresolved template when it depends on what only a run knows. */
  path: string;
  resolved: boolean;
}

/** The paths a task writes with the given modules (and a command's `creates`), resolved where possible. */
function writtenBy(
  { role, task, vars }: RoleTask,
  modules: Record<string, string[]>,
  defaults: Yaml,
): Written[] {
  const module = moduleOf(task);
  if (!module) return [];
  const [name, args] = module;
  if (typeof args !== 'object' || args === null) return [];
  const params = args as Yaml;
  let keys: string[] = [];
  if (name in modules) keys = modules[name]!;
  else if (name === 'command' || name === 'shell') keys = ['creates'];
  if (name === 'file' && params.state === 'absent') return [];
  const templates = keys.map((key) => params[key]).filter((value) => typeof value === 'string') as string[];
  const written: Written[] = [];
  for (const item of loopItems(task, { ...defaults, ...vars })) {
    const scope: Yaml = { ...defaults, ...vars, ...(typeof item === 'string' ? { item } : {}) };
    for (const template of templates) {
      const path = resolve(template, scope);
      const label = `${role} : ${String(task.name)}`;
      if (path === undefined) written.push({ task: label, path: template, resolved: false });
      else written.push({ task: label, path: posix.normalize(path).replace(/(.)\/$/, '$1'), resolved: true });
    }
  }
  return written;
}

const globRe = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );

/** Whether removing `seal` (a path, or a glob in its last part) removes `path`: it, or a folder it is in. */
function removes(seal: string, path: string): boolean {
  const glob = /[*?[]/.test(seal);
  for (let p = path; p !== '/' && p !== '.'; p = posix.dirname(p)) {
    if (p === seal) return true;
    if (
      glob &&
      posix.dirname(p) === posix.dirname(seal) &&
      globRe(posix.basename(seal)).test(posix.basename(p))
    ) {
      return true;
    }
  }
  return false;
}

interface GamePlay {
  roles: string[];
  tasks: RoleTask[];
  defaults: Yaml;
  sealPaths: string[];
}

async function gamePlay(playbook: string, role: string): Promise<GamePlay> {
  const [play] = (await loadYaml(join(ANSIBLE_DIR, playbook))) as { roles: { role: string }[] }[];
  const roles = play!.roles.map((r) => r.role);
  const tasks: RoleTask[] = [];
  const defaults: Yaml = {};
  for (const name of roles) {
    tasks.push(...(await roleTasks(name)));
    Object.assign(defaults, (await loadOnce(join(ANSIBLE_DIR, 'roles', name, 'defaults', 'main.yml'))) ?? {});
  }
  const listed = defaults[`${role}_seal_paths`];
  const sealPaths = Array.isArray(listed)
    ? listed.map((entry) => resolve(String(entry), defaults) ?? `unresolved: ${entry}`)
    : [];
  return { roles, tasks, defaults, sealPaths };
}

describe('ansible/playbooks/seal.yml', () => {
  it('passes ansible-playbook --syntax-check', async () => {
    const { stdout } = await run('ansible-playbook', ['--syntax-check', SEAL], {
      cwd: ANSIBLE_DIR,
      env: { ...process.env, ANSIBLE_NOCOLOR: '1' },
    });
    expect(stdout).toContain(`playbook: ${SEAL}`);
  }, 60_000);

  it('runs on the game groups, as game-service.yml does, with every task tagged seal and nothing else', async () => {
    const [seal] = (await loadYaml(join(ANSIBLE_DIR, SEAL))) as { hosts: string }[];
    const [service] = (await loadYaml(join(ANSIBLE_DIR, 'playbooks/game-service.yml'))) as {
      hosts: string;
    }[];
    expect(seal!.hosts).toBe(service!.hosts);
    const { stdout } = await run('ansible-playbook', ['--list-tasks', SEAL], {
      cwd: ANSIBLE_DIR,
      env: { ...process.env, ANSIBLE_NOCOLOR: '1' },
    });
    const tasks = [...stdout.matchAll(/^ {6}(\S.*?)\tTAGS: \[(.*)\]$/gm)].map((m) => ({
      name: m[1]!,
      tags: m[2]!.split(', '),
    }));
    expect(tasks.length).toBeGreaterThan(10);
    expect(tasks.filter((task) => task.tags.join() !== 'seal').map((t) => `${t.name} [${t.tags}]`)).toEqual(
      [],
    );
  }, 60_000);

  it("puts back the baseline firewall of cloud-init's user data, in place of the configure part's", async () => {
    const common = (await loadYaml(join(ANSIBLE_DIR, 'roles/common/defaults/main.yml'))) as Yaml;
    const userData = (await loadYaml(join(ANSIBLE_DIR, '..', 'cloud-init', 'user-data.yaml'))) as {
      write_files: { path: string; content: string }[];
    };
    const baseline = userData.write_files.find((file) => file.path === '/etc/nftables.conf');
    expect(common.common_seal_firewall).toBe(baseline?.content);
    const [play] = (await loadYaml(join(ANSIBLE_DIR, SEAL))) as { tasks: Yaml[] }[];
    const resets = (await tasksOf('(seal)', play!.tasks, [], {}))
      .map(({ task }) => moduleOf(task))
      .filter((module) => module?.[0] === 'copy')
      .map((module) => module![1] as Yaml);
    for (const [path, variable] of Object.entries(RESET)) {
      expect(resets).toContainEqual(expect.objectContaining({ dest: path, content: `{{ ${variable} }}` }));
    }
  });

  describe.each(GAMES.map((game) => [game.playbook, game] as const))('%s', (playbook, game) => {
    const role = game.id.replaceAll('-', '_');
    let play: GamePlay;

    beforeAll(async () => {
      play = await gamePlay(playbook, role);
    }, 60_000);

    it(`lists in ${role}_seal_paths absolute paths, three folders deep at least, a glob in the last part only`, () => {
      expect(play.sealPaths.length).toBeGreaterThan(0);
      const wrong = play.sealPaths.filter((path) => !/^(\/[^/*?[]+){3,}(\/[^/]+)?$/.test(path));
      expect(wrong).toEqual([]);
    });

    it('removes (or puts back) every file its configure part writes', () => {
      const written = play.tasks
        .filter((task) => task.tags.includes('configure'))
        .flatMap((task) => writtenBy(task, CONFIGURE_WRITES, play.defaults));
      expect(written.length).toBeGreaterThan(0);
      expect(written.filter((w) => !w.resolved).map((w) => `${w.task}: ${w.path}`)).toEqual([]);
      const kept = written.filter(
        (w) => !(w.path in RESET) && !play.sealPaths.some((seal) => removes(seal, w.path)),
      );
      expect(
        kept.map((w) => `${w.task}: ${w.path}`),
        `add these to ${role}_seal_paths`,
      ).toEqual([]);
    });

    it('removes nothing its install part put there', () => {
      const installed = play.tasks
        .filter((task) => !task.tags.includes('configure'))
        .flatMap((task) => writtenBy(task, INSTALL_WRITES, play.defaults))
        .filter((w) => w.resolved);
      expect(installed.length).toBeGreaterThan(0);
      const removed = installed.flatMap((w) =>
        play.sealPaths
          .filter((seal) => removes(seal, w.path))
          .map((seal) => `${w.task}: ${w.path} (${seal})`),
      );
      expect(removed).toEqual([]);
    });
  });
});
