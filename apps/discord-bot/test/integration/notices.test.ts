// Notices of changes made outside Discord, and exactly-once across a crash: the bot as production runs it (its
// own process, the bundle of `src/main.ts`) against the fake Discord, the real API and worker, and the real `gs`.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Server } from '@guildserver/contracts';
import type { FakeDiscord } from '@guildserver/discord-fake';
import { expectNoDiscordViolations } from '@guildserver/discord-fake/vitest';
import type { APIMessage } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { entryArgs } from '../../../../test/support/entry.js';
import { ADMIN_ROLE, ALICE, BOB, GENERAL, GUILD, newStatePath, startDiscord } from './harness.js';
import { type Stack, startStack } from './stack.js';

const REPO = join(import.meta.dirname, '..', '..', '..', '..');

describe('notices of changes made outside Discord, exactly once', () => {
  let stack: Stack;
  let discord: FakeDiscord;
  let token: string;
  const statePath = newStatePath();
  let bot: { process: ChildProcess; stderr: () => string } | undefined;

  /** The bot in its own process, as `node` runs it from its bundle. */
  async function startBot(): Promise<void> {
    let stderr = '';
    const child = spawn(process.execPath, entryArgs('bot'), {
      cwd: REPO,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DISCORD_TOKEN: token,
        DISCORD_API_URL: discord.restUrl,
        API_URL: stack.apiUrl,
        API_TOKEN: stack.botToken,
        DEPLOY_COMMANDS: 'true',
        DISCORD_GUILD_ID: GUILD,
        DISCORD_ADMIN_ROLE_ID: ADMIN_ROLE,
        HOST_EXTERNAL: 'play.example.net',
        BOT_STATE_PATH: statePath,
        LOG_LEVEL: process.env.BOT_TEST_LOG ?? 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    bot = { process: child, stderr: () => stderr };
    const identified = discord.gatewayStats.identifies;
    await discord.waitFor(() => discord.gatewayStats.identifies > identified, 60_000);
    // Following events once its state file has a cursor (on a first start: the stream's head).
    await discord.waitFor(() => cursorSaved(), 60_000);
  }
  const cursorSaved = () => {
    try {
      return (JSON.parse(readFileSync(statePath, 'utf8')) as { cursor?: unknown }).cursor != null;
    } catch {
      return false;
    }
  };

  async function killBot(signal: NodeJS.Signals): Promise<void> {
    const child = bot?.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
    return json;
  }
  /** `gs` as an operator runs it, with an admin token. */
  async function gs(...args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(process.execPath, [...entryArgs('gs'), ...args], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        API_URL: stack.apiUrl,
        API_TOKEN: stack.adminToken,
      },
    });
    return stdout;
  }
  async function create(name: string, ownerId: string): Promise<Server> {
    const { server } = await api<{ server: Server }>('POST', '/v1/servers', {
      game: 'minecraft-java',
      name,
      guildId: GUILD,
      ownerId,
      channelId: GENERAL,
    });
    await discord.waitFor(
      () => noticesAbout(name).find((m) => m.content.includes(`**${name}** is running`)),
      60_000,
    );
    return server;
  }
  const noticesAbout = (name: string) =>
    discord.channelMessages(GENERAL).filter((m) => m.content.includes(`**${name}**`));
  beforeAll(async () => {
    stack = await startStack(inject('redisUrl'), 'notices');
    ({ discord, token } = await startDiscord());
    await startBot();
  }, 120_000);

  afterAll(async () => {
    await killBot('SIGTERM');
    await discord?.close();
    await stack?.close();
  }, 30_000);

  afterEach(() => expectNoDiscordViolations(discord));

  it('a server stopped, restarted and deleted by an admin token or `gs`: its owner is told in its channel', async () => {
    const server = await create('outsider', BOB);
    /** Does `change`, then waits for the next notice about the server. */
    const next = async (change: () => Promise<unknown>): Promise<APIMessage> => {
      const before = noticesAbout('outsider').length;
      await change();
      return discord.waitFor(() => noticesAbout('outsider')[before], 60_000);
    };

    const stopped = await next(() => gs('stop', 'outsider', '--guild', GUILD));
    expect(stopped.content).toBe('<@140000000000000002> **outsider** is stopped. (changed outside Discord)');
    expect(stopped.mentions.map((u) => u.id)).toEqual([BOB]);
    const started = await next(() => api('POST', `/v1/servers/${server.id}/start`));
    expect(started.content).toMatch(
      /^<@140000000000000002> \*\*outsider\*\* is running, but `play\.example\.net:\d+` does not lead to it yet: GuildServer does not forward its ports here: an admin forwards tcp\/\d+(, udp\/\d+)* to the VM by hand \(`gs edge rules`\)\. \(changed outside Discord\)$/,
    );
    const restarted = await next(() => api('POST', `/v1/servers/${server.id}/restart`));
    expect(restarted.content).toMatch(
      /^<@140000000000000002> \*\*outsider\*\* is running again, but `play\.example\.net:\d+` does not lead to it yet: GuildServer does not forward its ports here: an admin forwards tcp\/\d+(, udp\/\d+)* to the VM by hand \(`gs edge rules`\)\. \(changed outside Discord\)$/,
    );
    const deleted = await next(() => gs('delete', 'outsider', '--guild', GUILD));
    expect(deleted.content).toBe(
      `<@140000000000000002> **outsider** was deleted. It can be brought back with \`/server backup undelete\` while its final backup is kept. (changed outside Discord)`,
    );
    expect(deleted.mentions.map((u) => u.id)).toEqual([BOB]);
    // One notice per change, nothing else.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(noticesAbout('outsider')).toHaveLength(5);
  }, 180_000);

  it('a bot killed after Discord took a channel notice but before it saved its cursor posts it once', async () => {
    const server = await create('crashy', ALICE);
    // Discord creates the notice at once; the bot hears nothing back until it is dead.
    const hold = discord.holdResponses({ method: 'POST', path: `/channels/${GENERAL}/messages` });
    await api('POST', `/v1/servers/${server.id}/stop`);
    await discord.waitFor(() => hold.held === 1, 60_000);
    expect(noticesAbout('crashy').filter((m) => m.content.includes('is stopped'))).toHaveLength(1);
    await killBot('SIGKILL');
    hold.release();

    const postsBefore = stopPosts().length;
    await startBot();
    // The restarted bot handles the event again from its saved cursor, and posts it again…
    await discord.waitFor(() => stopPosts().length > postsBefore, 60_000);
    // …and Discord answers with the message it already has.
    const stops = noticesAbout('crashy').filter((m) => m.content.includes('is stopped'));
    expect(stops, bot?.stderr()).toHaveLength(1);
    expect(stopPosts().map((r) => (r.body as { nonce?: unknown }).nonce)).toEqual([
      expect.stringMatching(/^gs-ev-\d+$/),
      (stopPosts()[0]!.body as { nonce?: unknown }).nonce,
    ]);
  }, 180_000);

  const stopPosts = () =>
    discord.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path === `/channels/${GENERAL}/messages` &&
        JSON.stringify(r.body ?? '').includes('**crashy** is stopped'),
    );
});
