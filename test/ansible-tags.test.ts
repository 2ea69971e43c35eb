// Every game playbook splits into an install part (`--tags install`: what a game image holds, nothing of any one
// server) and a configure part (`--tags configure`: what makes a clone of that image this server). Ansible lists
// the tasks of each part; the role files themselves show that no install task touches a per-server variable.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { GAMES } from '../packages/games/src/index';
import { ANSIBLE_DIR } from './support/ansible-run';
import { loadYaml } from './support/yaml';

const run = promisify(execFile);

const PARTS = ['install', 'configure', 'always'];

/**
 * What differs from one server to the next: the variables the API passes (apps/api/src/pipeline/game/playbook-vars.ts,
 * the same as the dynamic inventory's host variables) and the play's ports built from them. Role defaults derived
 * from these, and whatever the configure part computes (set_fact, register), are per server too (see perServer).
 */
const PER_SERVER_VARIABLES = [
  'guildserver_server_id',
  'guildserver_server_name',
  'guildserver_guild_id',
  'guildserver_host_external',
  'guildserver_ports',
  'guildserver_size',
  'guildserver_settings',
  'guildserver_serverlist_url',
  'guildserver_rcon_password',
  'game_ports',
  'common_open_ports',
];

/** Derived from a setting, yet a choice of what to install: the server software a Minecraft Java image holds. */
const INSTALL_CHOICES = new Set(['minecraft_java_software']);

type Yaml = Record<string, unknown>;

interface ListedTask {
  name: string;
  tags: string[];
}

interface RoleTask {
  role: string;
  name: string;
  tags: string[];
  task: Yaml;
}

const PLAYBOOKS = GAMES.map((game) => game.playbook);

/** Role files are shared by many playbooks: each is parsed once. */
const parsed = new Map<string, Promise<unknown>>();
function loadOnce(file: string): Promise<unknown> {
  if (!parsed.has(file)) parsed.set(file, loadYaml(file));
  return parsed.get(file)!;
}

/** `ansible-playbook --list-tasks` of every game playbook at once, by playbook. */
async function listTasks(tags?: string): Promise<Map<string, ListedTask[]>> {
  const { stdout } = await run(
    'ansible-playbook',
    ['--list-tasks', ...(tags ? ['--tags', tags] : []), ...PLAYBOOKS],
    { cwd: ANSIBLE_DIR, env: { ...process.env, ANSIBLE_NOCOLOR: '1' }, maxBuffer: 16 * 1024 * 1024 },
  );
  const listed = new Map<string, ListedTask[]>();
  let current: ListedTask[] = [];
  for (const line of stdout.split('\n')) {
    const playbook = /^playbook: (\S+)$/.exec(line);
    if (playbook) {
      current = [];
      listed.set(playbook[1]!, current);
    }
    const task = /^ {6}(\S.*?)\tTAGS: \[(.*)\]$/.exec(line);
    if (task) current.push({ name: task[1]!, tags: task[2] ? task[2].split(', ') : [] });
  }
  return listed;
}

const asList = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

function moduleArgs(task: Yaml, module: string): Yaml | undefined {
  return (task[`ansible.builtin.${module}`] ?? task[module]) as Yaml | undefined;
}

/** The tasks of a role's task file with the tags they end up with, following imports, blocks and include_role. */
async function roleTasks(role: string, file = 'main.yml', inherited: string[] = []): Promise<RoleTask[]> {
  const entries = ((await loadOnce(join(ANSIBLE_DIR, 'roles', role, 'tasks', file))) ?? []) as Yaml[];
  return tasksOf(role, entries, inherited);
}

async function tasksOf(role: string, entries: Yaml[], inherited: string[]): Promise<RoleTask[]> {
  const tasks: RoleTask[] = [];
  for (const entry of entries) {
    const tags = [...inherited, ...asList(entry.tags)];
    const imported = moduleArgs(entry, 'import_tasks');
    if (imported !== undefined) {
      tasks.push(...(await roleTasks(role, String(imported), tags)));
      continue;
    }
    if (entry.block) {
      const { block, rescue, always, ...header } = entry;
      tasks.push({ role, name: String(entry.name), tags, task: header });
      for (const children of [block, rescue, always]) {
        tasks.push(...(await tasksOf(role, (children ?? []) as Yaml[], tags)));
      }
      continue;
    }
    tasks.push({ role, name: String(entry.name), tags, task: entry });
    const included = moduleArgs(entry, 'include_role');
    if (included?.tasks_from) {
      // Tags on a dynamic include stay on the include: its tasks get only what `apply` hands them.
      const applied = asList((included.apply as Yaml | undefined)?.tags);
      tasks.push(...(await roleTasks(String(included.name), `${included.tasks_from}.yml`, applied)));
    }
  }
  return tasks;
}

const mentions = (text: string, variable: string) => new RegExp(`\\b${variable}\\b`).test(text);

/** PER_SERVER_VARIABLES, the role defaults derived from them, and what the configure part computes. */
async function perServer(roles: string[], tasks: RoleTask[]): Promise<string[]> {
  const defaults: Record<string, string> = {};
  for (const role of roles) {
    const file = join(ANSIBLE_DIR, 'roles', role, 'defaults', 'main.yml');
    if (!existsSync(file)) continue;
    for (const [name, value] of Object.entries((await loadOnce(file)) as Yaml)) {
      defaults[name] = JSON.stringify(value);
    }
  }
  const variables = new Set(PER_SERVER_VARIABLES);
  for (const { task, tags } of tasks) {
    if (!tags.includes('configure')) continue;
    if (task.register) variables.add(String(task.register));
    for (const name of Object.keys(moduleArgs(task, 'set_fact') ?? {})) variables.add(name);
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, value] of Object.entries(defaults)) {
      if (variables.has(name) || INSTALL_CHOICES.has(name)) continue;
      if ([...variables].some((variable) => mentions(value, variable))) {
        variables.add(name);
        grew = true;
      }
    }
  }
  return [...variables];
}

/** The task's own YAML and, for a template with a fixed source, the template it renders. */
function taskText(role: string, task: Yaml): string {
  const source = moduleArgs(task, 'template')?.src;
  const template = join(ANSIBLE_DIR, 'roles', role, 'templates', String(source));
  const rendered = typeof source === 'string' && !source.includes('{{') && existsSync(template);
  return JSON.stringify(task) + (rendered ? `\n${readFileSync(template, 'utf8')}` : '');
}

describe('ansible/ playbooks split into install and configure (tags)', () => {
  let all: Map<string, ListedTask[]>;
  let install: Map<string, ListedTask[]>;
  let configure: Map<string, ListedTask[]>;

  beforeAll(async () => {
    [all, install, configure] = await Promise.all([
      listTasks(),
      listTasks('install'),
      listTasks('configure'),
    ]);
  }, 120_000);

  describe.each(GAMES.map((game) => [game.playbook, game] as const))('%s', (playbook, game) => {
    const role = game.id.replaceAll('-', '_');
    const label = (task: ListedTask) => `${task.name} [${task.tags.join(', ')}]`;

    it('tags every task with exactly one of install, configure, always', () => {
      const tasks = all.get(playbook) ?? [];
      expect(tasks.length, `${playbook}: no tasks listed`).toBeGreaterThan(0);
      const wrong = tasks.filter((task) => task.tags.filter((tag) => PARTS.includes(tag)).length !== 1);
      expect(wrong.map((task) => `${playbook}: ${label(task)}`)).toEqual([]);
    });

    it("installs the game's software in the install part, and nothing of the configure part there", () => {
      const installPart = install.get(playbook) ?? [];
      const ownInstalls = installPart.filter(
        (task) =>
          (task.name.startsWith(`${role} : `) || !task.name.includes(' : ')) &&
          /\b(install|download)/i.test(task.name) &&
          task.tags.includes('install'),
      );
      expect(ownInstalls.map(label), `${playbook}: the game's install or download tasks`).not.toEqual([]);
      expect(installPart.filter((task) => task.tags.includes('configure')).map(label)).toEqual([]);
      expect(
        (configure.get(playbook) ?? []).filter((task) => task.tags.includes('install')).map(label),
      ).toEqual([]);
    });

    it('refers to no per-server variable in any install task (templates included)', async () => {
      const [play] = (await loadYaml(join(ANSIBLE_DIR, playbook))) as {
        pre_tasks?: Yaml[];
        roles: { role: string }[];
      }[];
      const roles = play!.roles.map((r) => r.role);
      const tasks = await tasksOf('(playbook)', play!.pre_tasks ?? [], []);
      for (const name of roles) tasks.push(...(await roleTasks(name)));
      const variables = await perServer(roles, tasks);
      const found = tasks
        .filter((task) => task.tags.includes('install'))
        .flatMap((task) =>
          variables
            .filter((variable) => mentions(taskText(task.role, task.task), variable))
            .map((variable) => `${playbook}: ${task.role} : ${task.name} refers to ${variable}`),
        );
      expect(found).toEqual([]);
    });
  });
});
