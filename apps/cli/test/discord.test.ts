// `gs up` with the fake Discord and the bot, and `gs discord say|click` typing into it from another process.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryArgs } from '../../../test/support/entry.js';
import { node, REPO } from './support/api-stack.js';

const BASE_ENV = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };
const UP_ARGS = ['--api-port', '0', '--sim-port', '0', '--time-scale', '0.02'];

const gs = (args: string[], env: Record<string, string | undefined>, timeout = 120_000) =>
  node('gs', args, env, timeout);

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('gs up --smoke with the fake Discord and the bot', () => {
  it('starts the fake Discord and the bot, types /server list, and leaves nothing running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-up-discord-'));
    try {
      const { code, stdout, stderr } = await gs(['up', '--smoke', '--data-dir', dir, ...UP_ARGS], {});
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(
        /Discord {5}fake Discord at http:\/\/127\.0\.0\.1:\d+\/api \(guild "GuildServer Demo"/,
      );
      expect(stdout).toMatch(/✓ Discord: \/server list answered "Your servers"/);
      expect(stdout).toMatch(/✓ smoke check passed/);
      const state = JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8'));
      expect(state.discord).toMatchObject({ mode: 'fake', users: ['demo', 'friend'] });
      expect(state.pid).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('a PROXMOX_RESOURCES_ variable that names no game', () => {
  const WRONG = { PROXMOX_RESOURCES_MINECRAFTJAVA: 'cores=3' };
  const says = (stderr: string) => {
    expect(stderr).toContain('PROXMOX_RESOURCES_MINECRAFTJAVA');
    for (const id of ['minecraft-java', 'minecraft-bedrock', 'valheim', 'openarena'])
      expect(stderr).toContain(id);
  };

  it('stops gs up before it starts anything, naming the variable and the game ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-up-wrong-size-'));
    try {
      const { code, stdout, stderr } = await gs(['up', '--data-dir', dir, ...UP_ARGS], WRONG, 60_000);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^gs: PROXMOX_RESOURCES_MINECRAFTJAVA /);
      says(stderr);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('stops the API too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-api-wrong-size-'));
    try {
      const { code, stderr } = await node('api', ['api'], {
        ...WRONG,
        PROXMOX_HOST: 'http://127.0.0.1:1',
        PROXMOX_NODE: 'pve',
        PROXMOX_TOKEN_ID: 'root@pam!guildserver',
        PROXMOX_TOKEN_SECRET: '5f0c1e2a-9d7b-4c3e-8a61-2b4f6d8e0c11',
        DATABASE_PATH: join(dir, 'guildserver.sqlite'),
      });
      expect(code).not.toBe(0);
      says(stderr);
      expect(stderr).not.toMatch(/\bat .*\.(ts|mjs):\d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('gs discord and gs against a started stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-discord-say-'));
  const env = { GS_STATE_FILE: join(dir, 'stack.json') };
  const stackState = () =>
    JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8')) as {
      children: { api: number; discordBot: number };
      discord: { guildId: string; channelId: string; userId: string };
    };
  let up: ChildProcess;
  let output = '';

  beforeAll(async () => {
    up = spawn(process.execPath, [...entryArgs('gs'), 'up', '--data-dir', dir, ...UP_ARGS], {
      cwd: REPO,
      // An admin's game size, which the stack must hand to its API.
      env: { ...BASE_ENV, PROXMOX_RESOURCES_MINECRAFT_JAVA: 'cores=3,memory=6144' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    up.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    up.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const until = Date.now() + 120_000;
    while (!output.includes('Press Ctrl-C')) {
      if (up.exitCode !== null || Date.now() > until) throw new Error(`gs up did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 150_000);

  afterAll(async () => {
    if (up && up.exitCode === null) {
      const exited = new Promise((r) => up.once('exit', r));
      up.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('prints how to type commands', () => {
    expect(output).toContain('pnpm discord say "/server create game:minecraft-java name:survival"');
  });

  it("says which licences it accepted on the operator's behalf, and how not to", () => {
    expect(output).toMatch(
      /\n {2}Licences {4}minecraft-eula .*and steam .*accepted on your behalf for this demo.*--no-accept-licences.*GAME_LICENSES_ACCEPTED/,
    );
  });

  it('hands PROXMOX_RESOURCES_<GAME> to its API', async () => {
    const { stdout } = await gs(['games', '--json'], env);
    const { games } = JSON.parse(stdout) as { games: { id: string; defaultSize: object }[] };
    expect(games.find((g) => g.id === 'minecraft-java')?.defaultSize).toMatchObject({
      cores: 3,
      memory: 6144,
    });
  });

  it('say /server create follows the progress to the join address', async () => {
    const { code, stdout, stderr } = await gs(
      ['discord', 'say', '/server create game:minecraft-java name:survival'],
      env,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('demo typed: /server create game:minecraft-java name:survival');
    expect(stdout).toMatch(/Creating survival…/);
    expect(stdout).toMatch(/survival is running/);
    // The stack's edge runs dry: the address is shown as the way to join, and said to belong to a simulated VM.
    expect(stdout).toMatch(
      /Join at: `localhost:\d+` — a simulated VM: the edge runs dry and forwards nothing/,
    );
  });

  it('runs a dry edge that computes and reports the table, which gs edge rules and status show', async () => {
    expect(output).toMatch(/\n {2}Edge {8}dry: computes and reports the forwarding table, applies nothing/);
    const rules = await gs(['edge', 'rules'], env);
    expect(rules.code).toBe(0);
    // survival's published port, to its simulated VM's address and the game's port inside it.
    expect(rules.stdout).toMatch(/elements = \{ \d+ : [\d.]+ \. 25565/);
    expect(rules.stdout).toMatch(/srv_[a-z0-9]{12} survival/);
    const status = await gs(['edge', 'status', '--json'], env);
    const edges = (JSON.parse(status.stdout) as { edges: { name: string; mode: string }[] }).edges;
    expect(edges).toEqual([expect.objectContaining({ name: 'local-dry', mode: 'dry', stale: false })]);
  });

  it('say as another user, status with buttons, and a click', async () => {
    const list = await gs(['discord', 'say', '/server list', '--as', 'friend'], env);
    expect(list.stdout).toContain('friend typed: /server list');
    expect(list.stdout).toContain('You have no servers yet');

    const status = await gs(['discord', 'say', '/server status name:survival', '--json'], env);
    expect(status.code).toBe(0);
    const result = JSON.parse(status.stdout) as {
      message: { id: string; buttons: { label: string; customId: string }[] };
    };
    const stop = result.message.buttons.find((b) => b.label === 'Stop');
    expect(stop?.customId).toMatch(/stop/);
    const clicked = await gs(['discord', 'click', result.message.id, stop!.customId], env);
    expect(clicked.stderr).toBe('');
    expect(clicked.code).toBe(0);
    expect(clicked.stdout).toContain(`demo clicked ${stop!.customId}`);
    // The bot's answer (the card going to stopping, then stopped), not the card as it was before the click.
    expect(clicked.stdout).not.toContain('State: 🟢 running');
    expect(clicked.stdout).toMatch(/State: ⚪ stopped/);
  });

  it("gs create without flags: the fake Discord's guild, its admin demo and #general", async () => {
    const { discord } = stackState();
    // `survival` was created from Discord: the same name from gs is refused in the same guild.
    const again = await gs(['create', 'minecraft-java', 'survival'], env);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(
      "gs: This guild already has a server named 'survival'; pick another name.",
    );
    const created = await gs(['create', 'terraria', 'builders', '--watch', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const { server } = JSON.parse(created.stdout) as {
      server: { id: string; guildId: string; ownerId: string; channelId: string };
    };
    expect(server).toMatchObject({
      guildId: discord.guildId,
      ownerId: discord.userId,
      channelId: discord.channelId,
    });
    // The owner is told in #general, by mention.
    const until = Date.now() + 60_000;
    let notice: string | undefined;
    while (!notice && Date.now() < until) {
      const seen = await gs(['discord', 'messages', '--json'], env);
      const messages = JSON.parse(seen.stdout) as { content: string }[];
      notice = messages.find((m) => m.content.includes('builders') && / running/.test(m.content))?.content;
      if (!notice) await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(notice).toContain(`<@${discord.userId}>`);
  }, 180_000);

  it('submit prints the answer to the form, not the message it was sent from', async () => {
    const asked = await gs(['discord', 'say', '/server delete name:builders', '--json'], env);
    const confirm = JSON.parse(asked.stdout) as {
      message: { id: string; buttons: { customId: string; label: string }[] };
    };
    const type = confirm.message.buttons.find((b) => b.label.startsWith('Type the name'));
    const form = await gs(['discord', 'click', confirm.message.id, type!.customId, '--json'], env);
    const modal = (JSON.parse(form.stdout) as { modal: { customId: string } }).modal;
    const sent = await gs(['discord', 'submit', modal.customId, 'name=builders'], env);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).not.toContain('Delete builders?');
    expect(sent.stdout).toMatch(/Deleting builders|builders was deleted/);
  }, 180_000);

  it('a mistake is one sentence and exit code 1', async () => {
    const { code, stderr } = await gs(['discord', 'say', '/server explode'], env);
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/^gs: Discord would not send that: \/server has no subcommand 'explode'/);
  });

  it('a crashed bot is restarted, with back-off, and says so', async () => {
    const before = output.length;
    process.kill(stackState().children.discordBot, 'SIGKILL');
    await until(() => output.slice(before).includes('The Discord bot is running again'), 90_000);
    expect(output.slice(before)).toMatch(
      /gs: The Discord bot stopped \(SIGKILL\); restarting it in 1 s \(crash 1 in a row; see .*discord-bot\.log\)\./,
    );
    const list = await gs(['discord', 'say', '/server list'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('survival');
    expect(up.exitCode).toBeNull();
  }, 150_000);

  it('a crashed API is restarted too, and gs finds it again', async () => {
    const before = output.length;
    process.kill(stackState().children.api, 'SIGKILL');
    await until(() => output.slice(before).includes('The API is running again'), 120_000);
    expect(output.slice(before)).toMatch(/gs: The API stopped \(SIGKILL\); restarting it in 1 s/);
    const listed = await gs(['list'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/survival\s+minecraft-java\s+stopped/);
  }, 180_000);

  it('without a stack: says how to start one', async () => {
    const { code, stderr } = await gs(['discord', 'say', '/server list'], {
      GS_STATE_FILE: join(dir, 'nothing.json'),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/There is no local stack .*bash scripts\/start\.sh/);
  });
});
