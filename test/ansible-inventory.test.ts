// ansible/inventories/guildserver.py against a real API: what `ansible-playbook -i` would read.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, client, createBody, type Harness, startApi } from '../apps/api/test/support/api-harness.js';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '..', 'ansible', 'inventories', 'guildserver.py');

async function inventory(env: Record<string, string>, args = ['--list']) {
  try {
    const { stdout } = await run('/usr/bin/python3', [SCRIPT, ...args], {
      env: { PATH: process.env.PATH, ...env },
    });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the dynamic Ansible inventory', () => {
  let api: Harness;
  let ids: string[];
  beforeAll(async () => {
    api = await startApi({ env: { QUOTA_USER_SERVERS: '10' } });
    const ops = client(api.url, api.token(['admin']));
    ids = [];
    for (const [name, game] of [
      ['survival', 'minecraft-java'],
      ['vikings', 'valheim'],
      ['creative', 'minecraft-java'],
    ]) {
      const answer = await ops<{ server: { id: string } }>(
        'POST',
        '/v1/servers',
        createBody(name!, { game, ownerId: ALICE }),
      );
      ids.push(answer.body.server.id);
    }
    // The first has come up and has an address (no worker runs in this test).
    api.services.db.$client
      .prepare("UPDATE servers SET state = 'running', ipv4 = '10.21.40.2' WHERE id = ?")
      .run(ids[0]);
  });
  afterAll(() => api.close());

  it('lists every server with its variables, grouped by game, guild and state', async () => {
    const { code, stdout } = await inventory({ API_URL: api.url, API_TOKEN: api.token(['read']) });
    expect(code).toBe(0);
    const inv = JSON.parse(stdout) as Record<string, { hosts: string[] }> & {
      _meta: { hostvars: Record<string, Record<string, unknown>> };
    };
    expect(inv.guildserver!.hosts.sort()).toEqual([...ids].sort());
    expect(inv.game_minecraft_java!.hosts.sort()).toEqual([ids[0], ids[2]].sort());
    expect(inv.game_valheim!.hosts).toEqual([ids[1]]);
    expect(inv.state_running!.hosts).toEqual([ids[0]]);
    expect(inv.state_creating!.hosts.sort()).toEqual([ids[1], ids[2]].sort());
    expect(Object.keys(inv).filter((g) => g.startsWith('guild_'))).toHaveLength(1);
    const survival = inv._meta.hostvars[ids[0]!]!;
    expect(survival).toMatchObject({
      ansible_host: '10.21.40.2',
      guildserver_server_name: 'survival',
      guildserver_game: 'minecraft-java',
    });
    expect(survival.guildserver_ports).toEqual([
      expect.objectContaining({ protocol: 'tcp', guest_port: 25565 }),
    ]);
    expect(inv._meta.hostvars[ids[1]!]!.ansible_host).toBeUndefined();
  });

  it('says what to set when the API is not configured, unreachable, or refuses the token', async () => {
    const none = await inventory({ GS_STATE_FILE: '/nonexistent/stack.json' });
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toMatch(/^guildserver inventory: set API_URL and API_TOKEN/);
    const down = await inventory({ API_URL: 'http://127.0.0.1:1', API_TOKEN: 'gs_x' });
    expect(down.stderr).toMatch(/cannot be reached .*check API_URL/);
    const refused = await inventory({ API_URL: api.url, API_TOKEN: 'gs_wrong' });
    expect(refused.stderr).toMatch(/refused: That API token is unknown or revoked/);
    expect(refused.stderr).not.toContain('gs_wrong');
  });
});
