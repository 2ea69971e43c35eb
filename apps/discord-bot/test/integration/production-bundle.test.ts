// The bot as production runs it: the esbuild bundle on plain node with the `start` script's flags.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ALICE, GENERAL, GUILD, newStatePath, serverOptions, startDiscord } from './harness.js';
import { type Stack, startStack } from './stack.js';

const APP = join(import.meta.dirname, '..', '..');
const startFlags = () =>
  (
    JSON.parse(readFileSync(join(APP, 'package.json'), 'utf8')) as { scripts: { start: string } }
  ).scripts.start
    .split(/\s+/)
    .filter((word) => word.startsWith('--'));

/** A port nothing listens on now (the kernel's pick, released at once). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the production bundle', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(inject('redisUrl'), 'bundle');
  });
  afterAll(() => stack.close());

  it('builds, registers its commands, answers /server list, counts it on /metrics, and stops cleanly on SIGTERM', async () => {
    execFileSync(process.execPath, [join(APP, 'scripts', 'build.mjs')], { stdio: 'pipe' });
    const { discord, token } = await startDiscord();
    const metricsPort = await freePort();
    const bot = spawn(process.execPath, [...startFlags(), join(APP, 'dist', 'main.mjs')], {
      env: {
        PATH: process.env.PATH,
        DISCORD_TOKEN: token,
        DISCORD_API_URL: discord.restUrl,
        API_URL: stack.apiUrl,
        API_TOKEN: stack.botToken,
        DEPLOY_COMMANDS: 'true',
        DISCORD_GUILD_ID: GUILD,
        HOST_EXTERNAL: 'play.example.net',
        BOT_STATE_PATH: newStatePath(),
        LOG_LEVEL: 'warn',
        BOT_METRICS_PORT: String(metricsPort),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    bot.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => bot.once('exit', resolve));
    try {
      await discord.waitFor(() => discord.registeredCommands(GUILD).length > 0 || undefined, 20_000);
      expect(discord.registeredCommands(GUILD).map((c) => c.name)).toEqual(['server']);
      const list = discord.invokeCommand({
        guildId: GUILD,
        channelId: GENERAL,
        userId: ALICE,
        name: 'server',
        options: serverOptions('list'),
      });
      expect(await list.response()).toBeDefined();
      await list.waitForOriginal((message) => !message.flags || !(message.flags & (1 << 7)));

      // What Prometheus scrapes: the answered command by route and outcome, and the bot's health.
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await metrics.text();
      expect(text).toMatch(/^guildserver_bot_interactions_total\{route="server list",outcome="ok"\} 1$/m);
      expect(text).toMatch(/^guildserver_bot_defer_seconds_count\{route="server list"\} 1$/m);
      expect(text).toMatch(/^guildserver_bot_process_resident_memory_bytes \d+/m);
      const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      bot.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
      await discord.close();
    }
  });
});
