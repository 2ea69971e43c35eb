// ansible/inventories/guildserver.py against a real API and a real worker: what `ansible-playbook -i` reads is
// what the worker passed to the same server's playbook, and Ansible itself picks the hosts operators mean.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulatedGameProbe } from '../apps/api/src/pipeline/game/game-probe.js';
import { startWorker } from '../apps/api/src/worker/start-worker.js';
import { FAST_RUNNER } from '../apps/api/test/pipeline/support.js';
import { ALICE, client, createBody, type Harness, startApi } from '../apps/api/test/support/api-harness.js';
import { ANSIBLE_DIR } from './support/ansible-run';

const run = promisify(execFile);
const SCRIPT = join(ANSIBLE_DIR, 'inventories', 'guildserver.py');

interface Inventory {
  [group: string]: { hosts: string[] };
}
type HostVars = Record<string, Record<string, unknown>>;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program from ansible/ (its ansible.cfg), as an operator would, with only the environment given. */
async function runIn(command: string, args: string[], env: Record<string, string>): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: ANSIBLE_DIR,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ANSIBLE_NOCOLOR: '1', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const inventoryScript = (env: Record<string, string>) => runIn('/usr/bin/python3', [SCRIPT, '--list'], env);

/** The hosts `ansible-playbook --list-hosts` would run a playbook on. */
async function playbookHosts(playbook: string, limit: string, env: Record<string, string>) {
  const ran = await runIn(
    'ansible-playbook',
    ['-i', 'inventories/guildserver.py', playbook, '--limit', limit, '--list-hosts'],
    env,
  );
  expect(ran.code, ran.stderr).toBe(0);
  return [...ran.stdout.matchAll(/^ {6}(\S+)$/gm)].map((m) => m[1]!).sort();
}

// Stand-in for ansible-playbook, found on PATH by the worker's real runner: keeps the inventory and the
// variables each run was given (the runner deletes its own copies), and succeeds.
const fakeAnsible = (captures: string) => `#!/bin/sh
run=$(mktemp -d -p ${captures})
cp "$2" "$run/inventory.ini"; cp "\${4#@}" "$run/vars.json"
echo "PLAY RECAP ****"
`;

describe('the dynamic Ansible inventory', () => {
  let api: Harness;
  let admin: string;
  let dir: string;
  const ids: Record<string, string> = {};
  /** By server id: what the worker's runner gave ansible-playbook. */
  const runs: Record<string, { vars: Record<string, unknown>; inventory: string }> = {};

  beforeAll(async () => {
    api = await startApi({
      env: {
        GAME_RUNNER: 'ansible',
        GAME_LICENSES_ACCEPTED: 'minecraft-eula,steam',
        GAME_REPORTS_URL: 'http://10.0.0.2:8080/v1/serverlist',
        QUOTA_USER_SERVERS: '10',
        QUOTA_USER_CORES: '100',
        QUOTA_USER_MEMORY: '1000000',
        QUOTA_GUILD_CORES: '100',
        QUOTA_GUILD_MEMORY: '1000000',
      },
    });
    admin = api.token(['admin']);
    const ops = client(api.url, admin);
    dir = mkdtempSync(join(tmpdir(), 'gs-inventory-test-'));
    const captures = join(dir, 'runs');
    mkdirSync(captures);
    writeFileSync(join(dir, 'ansible-playbook'), fakeAnsible(captures));
    chmodSync(join(dir, 'ansible-playbook'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${dir}:${path}`;
    // The worker as configured (GAME_RUNNER=ansible): its own runner and options; only the game's answer is
    // simulated, as there is no game behind the simulator's VMs.
    const worker = await startWorker(api.services, {
      runner: FAST_RUNNER,
      gameProbe: createSimulatedGameProbe(),
    });
    try {
      for (const [name, game] of [
        ['vikings', 'valheim'],
        ['survival', 'minecraft-java'],
        ['factory', 'factorio'],
      ] as const) {
        const answer = await ops<{ server: { id: string } }>(
          'POST',
          '/v1/servers',
          createBody(name, { game, ownerId: ALICE }),
        );
        expect(answer.status, JSON.stringify(answer.body)).toBe(202);
        ids[name] = answer.body.server.id;
      }
      for (const id of Object.values(ids)) await waitUntilRunning(id);
    } finally {
      await worker.close();
      process.env.PATH = path;
    }
    for (const run of readdirSync(captures)) {
      const vars = JSON.parse(readFileSync(join(captures, run, 'vars.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      runs[vars.guildserver_server_id as string] = {
        vars,
        inventory: readFileSync(join(captures, run, 'inventory.ini'), 'utf8'),
      };
    }
    // No worker any more: this one stays `creating`, without an address.
    const later = await ops<{ server: { id: string } }>(
      'POST',
      '/v1/servers',
      createBody('creative', { game: 'minecraft-java', ownerId: ALICE }),
    );
    ids.creative = later.body.server.id;
  }, 180_000);

  afterAll(async () => {
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function waitUntilRunning(id: string) {
    const ops = client(api.url, admin);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { body } = await ops<{ state: string; failure: unknown }>('GET', `/v1/servers/${id}`);
      if (body.state === 'running') return;
      if (body.state === 'failed' || Date.now() > deadline)
        throw new Error(`${id} is ${body.state}: ${JSON.stringify(body.failure)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const listed = async () => {
    const { code, stdout, stderr } = await inventoryScript({ API_URL: api.url, API_TOKEN: admin });
    expect(code, stderr).toBe(0);
    return JSON.parse(stdout) as Inventory & { _meta: { hostvars: HostVars } };
  };

  it("gives each server exactly the variables the worker passed to its playbook, and the VM's address", async () => {
    const inv = await listed();
    for (const name of ['vikings', 'survival', 'factory']) {
      const id = ids[name]!;
      const server = await client(api.url, admin)<{ ipv4: string }>('GET', `/v1/servers/${id}`);
      expect(runs[id], `the worker ran ${name}'s playbook`).toBeDefined();
      expect(inv._meta.hostvars[id]).toEqual({ ...runs[id]!.vars, ansible_host: server.body.ipv4 });
    }
    // So a run by hand applies the join password the owner was shown, not a new one…
    const vikings = inv._meta.hostvars[ids.vikings!]!;
    const shown = await client(api.url, admin)<{ credentials: { key: string; value: string }[] }>(
      'GET',
      `/v1/servers/${ids.vikings}/credentials`,
    );
    expect(vikings.guildserver_settings).toEqual({
      serverName: 'vikings',
      password: shown.body.credentials.find((c) => c.key === 'password')!.value,
    });
    expect(vikings.steamcmd_accept_license).toBe(true);
    // …and Factorio keeps the RCON password the worker's readiness check uses.
    expect(inv._meta.hostvars[ids.factory!]!.guildserver_rcon_password).toBe(
      runs[ids.factory!]!.vars.guildserver_rcon_password,
    );
    expect(inv._meta.hostvars[ids.creative!]!.ansible_host).toBeUndefined();
  });

  it("puts the worker's VM in the group its game's playbook targets", () => {
    expect(runs[ids.vikings!]!.inventory).toMatch(
      /^\[game_valheim\]\n\d+\.\d+\.\d+\.\d+ ansible_user=gameserver /,
    );
    expect(runs[ids.survival!]!.inventory).toMatch(/^\[game_minecraft_java\]\n/);
  });

  it('groups the servers by game, guild, state and name', async () => {
    const inv = await listed();
    const all = Object.values(ids).sort();
    expect(inv.guildserver!.hosts.sort()).toEqual(all);
    expect(inv.game_minecraft_java!.hosts.sort()).toEqual([ids.survival, ids.creative].sort());
    expect(inv.game_valheim!.hosts).toEqual([ids.vikings]);
    expect(inv.state_running!.hosts.sort()).toEqual([ids.vikings, ids.survival, ids.factory].sort());
    expect(inv.state_creating!.hosts).toEqual([ids.creative]);
    expect(inv.name_vikings!.hosts).toEqual([ids.vikings]);
    expect(Object.keys(inv).filter((g) => g.startsWith('guild_'))).toHaveLength(1);
  });

  it("runs a game's playbook only on that game's servers, whatever --limit says, and limits by name", async () => {
    const env = { API_URL: api.url, API_TOKEN: admin };
    expect(await playbookHosts('playbooks/valheim.yml', 'state_running', env)).toEqual([ids.vikings]);
    expect(await playbookHosts('playbooks/valheim.yml', 'name_survival', env)).toEqual([]);
    expect(await playbookHosts('playbooks/minecraft-java.yml', 'name_survival', env)).toEqual([ids.survival]);
  }, 60_000);

  it('serves the inventory, generated passwords included, to admin tokens only', async () => {
    const ok = await fetch(`${api.url}/v1/inventory`, { headers: { authorization: `Bearer ${admin}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    for (const scopes of [['read'], ['bot']] as const) {
      const refused = await client(api.url, api.token([...scopes]))<{
        error: { code: string; message: string };
      }>('GET', '/v1/inventory');
      expect(refused.status).toBe(403);
      expect(refused.body.error).toEqual({
        code: 'forbidden',
        message:
          "The inventory holds the servers' generated passwords, so it needs a token with the admin scope (gs token create --name ansible --scope admin).",
      });
    }
    const read = await inventoryScript({ API_URL: api.url, API_TOKEN: api.token(['read']) });
    expect(read.code).toBe(1);
    expect(read.stderr).toMatch(
      /^guildserver inventory: the API at .* refused: The inventory holds .*admin scope/,
    );
  });

  it('says what to set when the API is not configured, unreachable, or refuses the token', async () => {
    const none = await inventoryScript({ GS_STATE_FILE: '/nonexistent/stack.json' });
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toMatch(/^guildserver inventory: set API_URL and API_TOKEN \(an admin token/);
    const down = await inventoryScript({ API_URL: 'http://127.0.0.1:1', API_TOKEN: 'gs_x' });
    expect(down.stderr).toMatch(/cannot be reached .*set API_URL to where it runs/);
    const refused = await inventoryScript({ API_URL: api.url, API_TOKEN: 'gs_wrong' });
    expect(refused.stderr).toMatch(/refused: That API token is unknown or revoked/);
    expect(refused.stderr).not.toContain('gs_wrong');
  });

  it("stops Ansible with the script's own reason when there is no stack and no token", async () => {
    const ran = await runIn('ansible-inventory', ['-i', 'inventories/guildserver.py', '--list'], {
      GS_STATE_FILE: '/nonexistent/stack.json',
    });
    const { stderr: reason } = await inventoryScript({ GS_STATE_FILE: '/nonexistent/stack.json' });
    // Ansible wraps its warnings to the terminal's width: compare the words.
    const words = (text: string) => text.replace(/\s+/g, ' ').trim();
    expect(words(ran.stderr)).toContain(words(reason));
    expect(ran.code).not.toBe(0);
    expect(ran.stdout).not.toContain('hostvars');
  }, 60_000);
});
