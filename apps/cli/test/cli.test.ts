// `gs` against a running API: the simulator in-process, the API and a worker as a child process
// (`apps/api/src/main.ts all`) on a real SQLite file and the suite's redis-server; `gs` itself as a child.
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuildEvent, Job, Server } from '@guildserver/contracts';
import { DEFAULT_SIM_TOKEN, type RunningSimulator, startSimulator } from '@guildserver/pve-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiStack, freePort, node, startApiStack } from './support/api-stack.js';

describe('gs against a running API (simulator, API + worker, Redis, SQLite)', () => {
  let stack: ApiStack;
  let dir: string;
  let apiUrl: string;
  let token: string;
  // Where `gs create` puts servers when no flag says: GS_GUILD_ID/GS_OWNER_ID/GS_CHANNEL_ID.
  const place = {
    GS_GUILD_ID: '100000000000000001',
    GS_OWNER_ID: '200000000000000002',
    GS_CHANNEL_ID: '300000000000000003',
  };
  const gs = (args: string[], env: Record<string, string | undefined> = {}) =>
    node('gs', args, { API_URL: apiUrl, API_TOKEN: token, ...place, ...env });

  beforeAll(async () => {
    // A warm pool of OpenTTD, filled once `gs image build openttd` below has made its image.
    stack = await startApiStack('gs-cli-test', { WARM_POOL: 'openttd:1' });
    ({ url: apiUrl, token, dir } = stack);
  }, 90_000);

  afterAll(() => stack?.close(), 30_000);

  it('games: a table, and --json with the catalog', async () => {
    const text = await gs(['games']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^GAME\s+NAME\s+DEFAULT SIZE/);
    expect(text.stdout).toContain('minecraft-java');
    const json = await gs(['games', '--json']);
    const games = (JSON.parse(json.stdout) as { games: { id: string }[] }).games.map((g) => g.id);
    expect(games).toContain('minecraft-java');
  });

  it('create --watch: every step, then running with the address to join', async () => {
    const { code, stdout, stderr } = await gs([
      'create',
      'minecraft-java',
      'survival',
      '--watch',
      '--size',
      'cores=3',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^Creating survival \(minecraft-java, 3 cores, \d+ MiB, \d+ GiB\) as srv_[a-z0-9]{12}; job job_/,
    );
    expect(stdout.split('\n')[1]).toBe('No image of this game yet: installing it in full.');
    for (const title of ['Cloning the template', 'Starting the VM', 'Waiting for the network']) {
      expect(stdout).toMatch(new RegExp(`✓ \\[\\d/\\d\\] ${title}`));
    }
    expect(stdout).toMatch(
      /✓ survival is running in [\d.]+ s, but play\.example\.net:\d+ does not lead to it yet: GuildServer does not forward its ports here/,
    );
  }, 60_000);

  it('create without --watch answers at once; --json is the 202 body', async () => {
    const { code, stdout } = await gs([
      'create',
      'terraria',
      'builders',
      '--json',
      '--guild',
      '100000000000000007',
    ]);
    expect(code).toBe(0);
    const body = JSON.parse(stdout) as { server: Server; jobId: string };
    expect(body.server).toMatchObject({ name: 'builders', game: 'terraria', guildId: '100000000000000007' });
    expect(body.jobId).toMatch(/^job_/);
    const watched = await gs(['watch', body.jobId]);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(
      /builders is running .*, but play\.example\.net:\d+ does not lead to it yet/,
    );
  }, 60_000);

  it('list: both servers, as a table and as JSON; filtered by guild', async () => {
    const text = await gs(['list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/survival\s+minecraft-java\s+running\s+play\.example\.net:\d+\s+3c\//);
    expect(text.stdout).toMatch(/builders\s+terraria\s+running/);
    const all = JSON.parse((await gs(['list', '--json', '--all'])).stdout) as { servers: Server[] };
    expect(all.servers.map((s) => s.name).sort()).toEqual(['builders', 'survival']);
    const one = JSON.parse((await gs(['list', '--json', '--guild', '100000000000000007'])).stdout) as {
      servers: Server[];
    };
    expect(one.servers.map((s) => s.name)).toEqual(['builders']);
    const paged = await gs(['list', '--limit', '1']);
    expect(paged.stdout).toContain('(more servers: run with --all)');
  });

  it('capacity: per node, the memory the servers that are up hold', async () => {
    const text = await gs(['capacity']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^NODE\s+AWAKE\s+ASLEEP\s+STOPPED\s+BUSY\npve\s+\d+ MiB \(2\)\s+-\s+-\s+-\n/);
    const json = JSON.parse((await gs(['capacity', '--json'])).stdout) as {
      nodes: { node: string; awake: { servers: number } }[];
    };
    expect(json.nodes.map((n) => [n.node, n.awake.servers])).toEqual([['pve', 2]]);
  });

  it('status: by name and by id, text and JSON', async () => {
    const text = await gs(['status', 'survival']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^survival \(srv_[a-z0-9]{12}\), minecraft-java/);
    expect(text.stdout).toMatch(/state\s+running/);
    expect(text.stdout).toMatch(/address\s+play\.example\.net:\d+/);
    // The create is over (no job runs now), and its job is still shown.
    expect(text.stdout).toMatch(/last job\s+create job_[a-z0-9]{12}: succeeded in [\d.]+ s/);
    const json = JSON.parse((await gs(['status', 'survival', '--json'])).stdout) as { server: Server };
    expect(json.server.state).toBe('running');
    const byId = await gs(['status', json.server.id, '--json']);
    expect((JSON.parse(byId.stdout) as { server: Server }).server.name).toBe('survival');
  });

  it('stop, start and restart, each followed with --watch', async () => {
    const stop = await gs(['stop', 'survival', '--watch']);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/✓ survival is stopped in/);
    const start = await gs(['start', 'survival', '--watch']);
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(
      /✓ survival is running in [\d.]+ s, but play\.example\.net:\d+ does not lead to it yet: GuildServer does not forward its ports here/,
    );
    const restart = await gs(['restart', 'survival', '--watch', '--json']);
    expect(restart.code).toBe(0);
    const done = JSON.parse(restart.stdout) as { server: Server; job: Job };
    expect(done.job).toMatchObject({ kind: 'restart', state: 'succeeded' });
    expect(done.server.state).toBe('running');
    expect(done.job.steps.every((s) => s.state === 'succeeded' || s.state === 'skipped')).toBe(true);
  }, 90_000);

  it('stop without --watch, then watch by name until it ends', async () => {
    const stop = await gs(['stop', 'builders']);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(
      /^Stopping builders \(srv_[a-z0-9]{12}\); job job_[a-z0-9]{12}\.\nFollow it with: gs watch job_/,
    );
    const watched = await gs(['watch', 'builders']);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/builders is stopped/);
  }, 60_000);

  it('bad input: the API’s own sentence and exit code 1 (text and --json)', async () => {
    const unknown = await gs(['create', 'tetris', 'blocks']);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/^gs: There is no game .tetris.; /);
    const taken = await gs(['create', 'minecraft-java', 'survival']);
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim()).toBe(
      "gs: This guild already has a server named 'survival'; pick another name.",
    );
    const json = await gs(['create', 'minecraft-java', 'survival', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      error: {
        code: 'name_taken',
        message: "This guild already has a server named 'survival'; pick another name.",
      },
    });
    const state = await gs(['retry', 'survival']);
    expect(state.code).toBe(1);
    expect(state.stderr.trim()).toBe(
      "gs: The server 'survival' is running; only a failed server can be retried.",
    );
    const missing = await gs(['status', 'nosuchserver']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("gs: There is no server named 'nosuchserver'; `gs list` shows them.");
    for (const result of [unknown, taken, state, missing])
      expect(result.stderr).not.toMatch(/\bat .*\.(ts|mjs):\d+/);
  });

  it('bad flags are caught before any request, in one sentence', async () => {
    const size = await gs(['create', 'minecraft-java', 'big', '--size', 'cores=lots']);
    expect(size.code).toBe(1);
    expect(size.stderr.trim()).toBe(
      'gs: --size must look like cores=4,memory=8192,disk=32 (memory in MiB, disk in GiB; got "cores=lots").',
    );
    const guild = await gs(['list', '--guild', '42']);
    expect(guild.code).toBe(1);
    expect(guild.stderr.trim()).toMatch(
      /^gs: option '--guild <id>' argument '42' is invalid\. .*17 to 20 digits/,
    );
  });

  it('token create: a bot token that then works for reading', async () => {
    const created = await gs(['token', 'create', '--name', 'discord-bot', '--scope', 'bot']);
    expect(created.code).toBe(0);
    const bot = created.stdout.trim();
    expect(bot).toMatch(/^gs_\S+$/);
    expect(created.stderr).toMatch(/'discord-bot' \(bot\) created; it is shown only this once/);
    const listed = await gs(['list', '--json'], { API_TOKEN: bot });
    expect(listed.code).toBe(0);
    const json = await gs(['token', 'create', '--name', 'reader', '--scope', 'read', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: 'reader',
      scopes: ['read'],
      token: expect.stringMatching(/^gs_/),
    });
    const refused = await gs(['token', 'create', '--name', 'x', '--scope', 'admin'], { API_TOKEN: bot });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe('gs: Only a token with the admin scope may do that.');
  });

  it('reads the API URL and token from the state file when API_URL and API_TOKEN are unset', async () => {
    const stateFile = join(dir, 'stack.json');
    writeFileSync(
      stateFile,
      JSON.stringify({ apiUrl, token, dataDir: dir, startedAt: new Date().toISOString() }),
    );
    const listed = await gs(['list', '--json'], {
      API_URL: undefined,
      API_TOKEN: undefined,
      GS_STATE_FILE: stateFile,
    });
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { servers: Server[] }).servers.length).toBe(2);
    const none = await gs(['list'], {
      API_URL: undefined,
      API_TOKEN: undefined,
      GS_STATE_FILE: join(dir, 'none.json'),
    });
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toMatch(
      /^gs: API_URL is not set and there is no local stack \(.*none\.json\): start one with/,
    );
  });

  it('delete --watch: gone, with its events in the stream', async () => {
    const { server } = JSON.parse((await gs(['status', 'survival', '--json'])).stdout) as { server: Server };
    const removed = await gs(['delete', 'survival', '--watch']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/✓ survival is deleted in/);
    await gs(['delete', 'builders', '--watch']);
    const listed = JSON.parse((await gs(['list', '--json'])).stdout) as { servers: Server[] };
    expect(listed.servers).toEqual([]);
    expect((await gs(['list'])).stdout).toContain('No servers yet.');
    const page = (await (
      await fetch(`${apiUrl}/v1/events?serverId=${server.id}&limit=1000`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { events: GuildEvent[] };
    expect(page.events.map((e) => e.type)).toContain('server.deleted');
  }, 60_000);

  it('create without a guild, owner or channel (and no local stack): one sentence naming flags and variables', async () => {
    const none = { GS_GUILD_ID: undefined, GS_OWNER_ID: undefined, GS_CHANNEL_ID: undefined };
    const all = await gs(['create', 'minecraft-java', 'nowhere'], none);
    expect(all).toMatchObject({ code: 1, stdout: '' });
    expect(all.stderr.trim()).toBe(
      'gs: gs create needs the Discord guild, owner and channel the server belongs to: pass --guild <id>, --owner <id> and --channel <id>, or set GS_GUILD_ID, GS_OWNER_ID and GS_CHANNEL_ID.',
    );
    const one = await gs(['create', 'minecraft-java', 'nowhere', '--guild', '100000000000000001', '--json'], {
      ...none,
      GS_OWNER_ID: '200000000000000002',
    });
    expect(one.code).toBe(1);
    expect(JSON.parse(one.stdout)).toEqual({
      error: {
        code: 'usage',
        message:
          'gs create needs the Discord channel the server belongs to: pass --channel <id>, or set GS_CHANNEL_ID.',
      },
    });
    const listed = JSON.parse((await gs(['list', '--json', '--all'])).stdout) as { servers: Server[] };
    expect(listed.servers.map((s) => s.name)).not.toContain('nowhere');
    const wrong = await gs(['list'], { GS_OWNER_ID: '12' });
    expect(wrong.stderr.trim()).toBe(
      'gs: GS_OWNER_ID must be a Discord user id (17 to 20 digits) (got "12").',
    );
  }, 120_000);

  it('list: oldest first, as its help says, across pages', async () => {
    const help = await gs(['list', '--help']);
    expect(help.stdout).toContain('oldest first');
    const guild = '100000000000000011';
    const names = ['order-a', 'order-b', 'order-c', 'order-d', 'order-e', 'order-f'];
    for (const [i, name] of names.entries()) {
      const created = await gs([
        'create',
        'terraria',
        name,
        '--guild',
        guild,
        '--owner',
        `20000000000000002${i}`,
      ]);
      expect(created.code, created.stderr).toBe(0);
    }
    const all = JSON.parse((await gs(['list', '--guild', guild, '--all', '--json'])).stdout) as {
      servers: Server[];
    };
    expect(all.servers.map((s) => s.name)).toEqual(names);
    const first = JSON.parse((await gs(['list', '--guild', guild, '--limit', '4', '--json'])).stdout) as {
      servers: Server[];
    };
    expect(first.servers.map((s) => s.name)).toEqual(names.slice(0, 4));
    const text = await gs(['list', '--guild', guild]);
    expect(
      text.stdout
        .split('\n')
        .slice(1, 7)
        .map((line) => line.split(/\s+/)[0]),
    ).toEqual(names);
  }, 180_000);

  it('quota get and set: limits in force, usage, only the limits given change', async () => {
    const guild = '100000000000000011';
    const got = await gs(['quota', 'get', 'guild', guild, '--json']);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({
      scope: 'guild',
      id: guild,
      override: { maxServers: null, maxCores: null, maxMemoryMiB: null },
      effective: { maxServers: 20, maxCores: 64, maxMemoryMiB: 131072 },
      usage: { servers: 6 },
    });
    const user = '200000000000000020';
    const set = await gs(['quota', 'set', 'user', user, '--servers', '1', '--memory', '8192']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^user 200000000000000020\n/);
    expect(set.stdout).toMatch(/servers\s+1 of 1 used\s+\(set for this user\)/);
    expect(set.stdout).toMatch(/cores\s+\d+ of 12 used\s+\(default\)/);
    expect(set.stdout).toMatch(/memory\s+\d+ of 8192 MiB used\s+\(set for this user\)/);
    const refused = await gs(['create', 'terraria', 'one-more', '--guild', guild, '--owner', user]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^gs: .*quota|^gs: .*servers/i);
    const more = await gs(['quota', 'set', 'user', user, '--cores', '4', '--servers', 'default', '--json']);
    expect(JSON.parse(more.stdout)).toMatchObject({
      override: { maxServers: null, maxCores: 4, maxMemoryMiB: 8192 },
      effective: { maxServers: 3, maxCores: 4, maxMemoryMiB: 8192 },
    });
  }, 120_000);

  it('quota: mistakes are one sentence, before any request; a bot token is refused', async () => {
    const scope = await gs(['quota', 'get', 'team', '100000000000000011']);
    expect(scope).toMatchObject({ code: 1, stdout: '' });
    expect(scope.stderr.trim()).toBe(
      "gs: A quota is for a guild or a user: write guild or user, not 'team'.",
    );
    const id = await gs(['quota', 'get', 'user', '42', '--json']);
    expect(JSON.parse(id.stdout)).toEqual({
      error: { code: 'usage', message: "'42' is not a Discord user id (17 to 20 digits)." },
    });
    const nothing = await gs(['quota', 'set', 'guild', '100000000000000011']);
    expect(nothing.stderr.trim()).toBe(
      'gs: gs quota set needs at least one of --servers, --cores and --memory.',
    );
    const lots = await gs(['quota', 'set', 'guild', '100000000000000011', '--cores', 'lots']);
    expect(lots.stderr.trim()).toMatch(/^gs: option '--cores <n>' argument 'lots' is invalid\. .*or default/);
    const bot = (await gs(['token', 'create', '--name', 'quota-bot', '--scope', 'bot'])).stdout.trim();
    const forbidden = await gs(['quota', 'get', 'guild', '100000000000000011'], { API_TOKEN: bot });
    expect(forbidden.stderr.trim()).toBe('gs: Only a token with the admin scope may do that.');
    for (const result of [scope, nothing, lots, forbidden])
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);

  it('token list and revoke: a revoked token stops working', async () => {
    const created = JSON.parse(
      (await gs(['token', 'create', '--name', 'short-lived', '--scope', 'read', '--json'])).stdout,
    ) as { id: string; token: string };
    const listed = await gs(['token', 'list', '--json']);
    const { tokens } = JSON.parse(listed.stdout) as { tokens: Record<string, unknown>[] };
    expect(tokens.find((t) => t.id === created.id)).toMatchObject({
      name: 'short-lived',
      scopes: ['read'],
      revokedAt: null,
    });
    expect(listed.stdout).not.toContain(created.token);
    expect(tokens.every((t) => !('token' in t))).toBe(true);
    const table = await gs(['token', 'list']);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+SCOPES\s+CREATED\s+STATE/);
    expect(table.stdout).toMatch(new RegExp(`${created.id}\\s+short-lived\\s+read\\s+\\S+\\s+active`));
    expect((await gs(['list', '--json'], { API_TOKEN: created.token })).code).toBe(0);
    const revoked = await gs(['token', 'revoke', created.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout.trim()).toBe(`Token ${created.id} 'short-lived' (read) is revoked.`);
    const after = await gs(['list'], { API_TOKEN: created.token });
    expect(after.code).toBe(1);
    expect(after.stderr.trim().split('\n')).toHaveLength(1);
    expect((await gs(['token', 'list'])).stdout).toMatch(new RegExp(`${created.id}.*revoked \\d{4}-`));
    const unknown = await gs(['token', 'revoke', 'tok_nosuchtoken0']);
    expect(unknown.stderr.trim()).toBe('gs: There is no token with id tok_nosuchtoken0.');
  }, 120_000);

  it('image list: none yet, and --recipes prints how to mark one built by hand', async () => {
    const listed = await gs(['image', 'list', '--recipes']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('No game images at Proxmox: every create installs its game in full.');
    expect(listed.stdout).toMatch(
      /^openttd\s+guildserver;gs-image;game-openttd\s+guildserver-image game=openttd recipe=[0-9a-f]{16}$/m,
    );
    const json = JSON.parse((await gs(['image', 'list', '--json'])).stdout) as {
      images: unknown[];
      recipes: { game: string }[];
    };
    expect(json.images).toEqual([]);
    expect(json.recipes.map((r) => r.game)).toContain('minecraft-java');
  }, 60_000);

  it('pool status: the pool WARM_POOL asks for is empty while its game has no image', async () => {
    const status = await gs(['pool', 'status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout.split('\n').slice(0, 3)).toEqual([
      'Warm pool, kept stopped (costs disk only):',
      expect.stringMatching(/^GAME\s+WANTED\s+READY\s+MAKING\s+IMAGE$/),
      expect.stringMatching(/^openttd\s+1\s+0\s+0\s+-$/),
    ]);
    expect(status.stdout).toContain(
      'openttd: OpenTTD has no current image: the pool fills once one is built (gs image build openttd).',
    );
  }, 60_000);

  it('image build: queues the build, follows its steps to the template, and image list shows it current', async () => {
    const built = await gs(['image', 'build', 'openttd']);
    expect(built.code, built.stderr).toBe(0);
    const lines = built.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^openttd: image build img_\w+ queued \(VM (\d+), recipe [0-9a-f]{16}\)\.$/);
    const vmid = /VM (\d+)/.exec(lines[0]!)![1];
    // Each step once it is done (a simulated build is quicker than the poll, so none is seen running).
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^openttd: Installing the game \(--tags install\): Simulated install of OpenTTD .* \(\d+ s\)$/,
      ),
    );
    expect(lines.at(-1)).toBe(`openttd: image built, VM ${vmid}: creates of openttd clone it from now on.`);
    const listed = await gs(['image', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`^${vmid}\\s+pve\\s+openttd\\s+[0-9a-f]{16}\\s+current$`, 'm'));
    expect(listed.stdout).toMatch(new RegExp(`^img_\\w+\\s+openttd\\s+succeeded\\s+${vmid}\\s`, 'm'));

    // The warm pool fills from the new image: one spare VM, a linked clone of it.
    let pool = await gs(['pool', 'status']);
    for (let i = 0; i < 100 && !/^openttd\s+1\s+1\s+0\s/m.test(pool.stdout); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      pool = await gs(['pool', 'status']);
    }
    expect(pool.stdout).toMatch(new RegExp(`^openttd\\s+1\\s+1\\s+0\\s+VM ${vmid}$`, 'm'));
    expect(pool.stdout).toMatch(
      /^pool_\w+\s+openttd\s+ready\s+\d+\s+\d+ cores, \d+ MiB, \d+ GiB\s+\d{4}-\d\d-\d\dT/m,
    );
    const json = JSON.parse((await gs(['pool', 'status', '--json'])).stdout) as {
      vms: { imageVmid: number }[];
    };
    expect(json.vms).toEqual([expect.objectContaining({ imageVmid: Number(vmid), state: 'ready' })]);
    // A gamer's create takes it: the pool route, said on the second line.
    const pooled = await gs(['create', 'openttd', 'pooled', '--watch'], {
      GS_OWNER_ID: '200000000000000099',
    });
    expect(pooled.code, pooled.stderr).toBe(0);
    expect(pooled.stdout.split('\n')[1]).toBe(
      "A VM made ready ahead of time from the game's image: only its settings are applied.",
    );
    expect(pooled.stdout).toMatch(/✓ \[1\/8\] Taking a ready VM from the warm pool/);

    const neither = await gs(['image', 'build']);
    expect(neither.code).toBe(1);
    expect(neither.stderr.trim()).toBe('gs: Name one game (gs image build openttd) or give --all, not both.');
    const unknown = await gs(['image', 'build', 'tetris']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toMatch(/^gs: .*tetris/);
  }, 120_000);

  it('an API that is not there: one sentence naming API_URL', async () => {
    const port = await freePort();
    const { code, stdout, stderr } = await gs(['list'], { API_URL: `http://127.0.0.1:${port}` });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.trim()).toBe(
      `gs: Cannot reach the GuildServer API at http://127.0.0.1:${port} (API_URL): nothing is listening there; start it with \`bash scripts/start.sh\` or set API_URL to where it runs.`,
    );
  });
});

/** Processes whose working directory or command line is inside `dir` (Linux /proc). */
function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cwd.startsWith(dir) || args.includes(dir)) found.push(`${pid} ${args}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

describe('gs up --smoke (what `bash scripts/start.sh --smoke` runs)', () => {
  it('starts simulator, Redis, API and worker, creates and deletes one server, and leaves nothing running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-up-test-'));
    try {
      // No REDIS_URL: the API starts its own redis-server in <data>/redis, as on a fresh machine.
      const { code, stdout, stderr } = await node(
        'gs',
        ['up', '--smoke', '--data-dir', dir, '--api-port', '0', '--sim-port', '0', '--time-scale', '0.02'],
        {},
        120_000,
      );
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(
        /Proxmox VE {2}https:\/\/127\.0\.0\.1:\d+ \(simulated PVE 9\.1, realistic timings ×0\.02\)/,
      );
      expect(stdout).toMatch(/API\+worker {2}http:\/\/127\.0\.0\.1:\d+ .*Redis: its own redis-server/);
      expect(stdout).toMatch(/✓ smoke-[a-z0-9]+ is running at localhost:\d+/);
      expect(stdout).toMatch(/✓ smoke check passed: created, ran and deleted smoke-[a-z0-9]+/);
      // Nothing left: no process runs from the data folder (redis-server's cwd is its --dir there).
      expect(processesIn(dir)).toEqual([]);
      // A second start reuses the database and the admin token from the state file.
      const again = await node(
        'gs',
        ['up', '--smoke', '--data-dir', dir, '--api-port', '0', '--sim-port', '0', '--time-scale', '0.02'],
        {},
        120_000,
      );
      expect(again.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe('gs demo (the Proxmox client tour against the cluster in PROXMOX_*)', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ profile: 'fast', authFailureDelayMs: 20 });
  });
  afterAll(() => sim.close());
  const env = () => ({
    PROXMOX_HOST: sim.url,
    PROXMOX_NODE: 'pve',
    PROXMOX_TOKEN_ID: DEFAULT_SIM_TOKEN.id,
    PROXMOX_TOKEN_SECRET: DEFAULT_SIM_TOKEN.secret,
    PROXMOX_VLAN_TAG: '20',
  });

  it('runs the demo on the configured cluster and leaves nothing behind', async () => {
    const { code, stdout } = await node('gs', ['demo', '--first-vmid', '12000'], env());
    expect(code).toBe(0);
    expect(stdout).toContain('Demo finished on pve: VM 12000 reached');
    expect(sim.state.vms.map((vm) => vm.vmid)).toEqual([9000]);
  });

  it('names the wrong variable in one sentence, without a stack trace', async () => {
    const { code, stderr, stdout } = await node('gs', ['demo'], { ...env(), PROXMOX_VLAN_TAG: '5000' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe('gs: PROXMOX_VLAN_TAG must be an integer from 1 to 4094 (got "5000").');
  });

  it('says a wrong token secret is an authentication failure and never prints the secret', async () => {
    const { code, stderr } = await node('gs', ['demo'], {
      ...env(),
      PROXMOX_TOKEN_SECRET: 'not-the-right-secret-XYZ',
    });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/authentication/i);
    expect(stderr).not.toContain('not-the-right-secret-XYZ');
    expect(stderr).not.toMatch(/\bat .*\.(ts|mjs):\d+/);
  });

  it('says what to do when nothing answers at PROXMOX_HOST', async () => {
    const { code, stderr } = await node('gs', ['demo'], { ...env(), PROXMOX_HOST: 'http://127.0.0.1:1' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/127\.0\.0\.1:1/);
  });
});

describe('gs demo: a misconfigured or unhealthy cluster', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ profile: 'fast', tls: true });
  });
  afterAll(() => sim.close());
  const env = (extra: Record<string, string>) => ({
    PROXMOX_HOST: sim.url,
    PROXMOX_NODE: 'pve',
    PROXMOX_TOKEN_ID: DEFAULT_SIM_TOKEN.id,
    PROXMOX_TOKEN_SECRET: DEFAULT_SIM_TOKEN.secret,
    ...extra,
  });

  it('says the pinned fingerprint does not match and what to set', async () => {
    const wrong = sim.fingerprint!.replace(/^../, sim.fingerprint!.startsWith('00') ? '11' : '00');
    const { code, stderr } = await node('gs', ['demo'], env({ PROXMOX_TLS_FINGERPRINT: wrong }));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/fingerprint .*did not match/);
    expect(stderr).toContain('PROXMOX_TLS_FINGERPRINT');
  });

  it('says the node is offline when it answers 595', async () => {
    sim.faults.nodeOffline('pve2');
    const { code, stderr } = await node(
      'gs',
      ['demo'],
      env({ PROXMOX_NODE: 'pve2', PROXMOX_TLS_FINGERPRINT: sim.fingerprint! }),
    );
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/pve2/);
    expect(stderr).toMatch(/offline|no route/i);
  });
});
