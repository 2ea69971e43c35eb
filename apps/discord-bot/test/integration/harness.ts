// The fake Discord world the integration tests use, a bot started in-process against it and the stack, and
// what users do there.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from '@guildserver/contracts';
import { type FakeDiscord, fakeBotToken, startFakeDiscord, viewMessage } from '@guildserver/discord-fake';
import type { APIMessage } from 'discord.js';
import { expect } from 'vitest';
import { type RunningBot, startBot } from '../../src/bot.js';
import { loadBotConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';

export const GUILD = '110000000000000001';
export const GENERAL = '120000000000000001';
export const LOCKED = '120000000000000002';
export const ADMINS = '120000000000000003';
export const ADMIN_ROLE = '130000000000000001';
export const ALICE = '140000000000000001';
export const BOB = '140000000000000002';
export const ADMIN = '140000000000000003';
export const ROLE_ADMIN = '140000000000000004';
export const CAROL = '140000000000000005';

export async function startDiscord(): Promise<{ discord: FakeDiscord; token: string }> {
  const applicationId = '150000000000000001';
  const token = fakeBotToken(applicationId);
  const discord = await startFakeDiscord({
    botToken: token,
    applicationId,
    guilds: [
      {
        id: GUILD,
        name: 'Guild of Testers',
        channels: [
          { id: GENERAL, name: 'general' },
          { id: LOCKED, name: 'announcements' },
          { id: ADMINS, name: 'admins' },
        ],
        roles: [{ id: ADMIN_ROLE, name: 'GuildServer admins' }],
        members: [
          { id: ALICE, username: 'alice' },
          { id: BOB, username: 'bob' },
          { id: CAROL, username: 'carol' },
          { id: ADMIN, username: 'admin', permissions: 'ManageGuild' },
          { id: ROLE_ADMIN, username: 'roleadmin', roles: [ADMIN_ROLE] },
        ],
      },
    ],
  });
  return { discord, token };
}

export interface BotTarget {
  discord: FakeDiscord;
  token: string;
  apiUrl: string;
  apiToken: string;
  statePath: string;
}

export function newStatePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'gs-bot-state-')), 'state.json');
}

export async function startTestBot(target: BotTarget): Promise<RunningBot> {
  const config = loadBotConfig({
    DISCORD_TOKEN: target.token,
    DISCORD_API_URL: target.discord.restUrl,
    API_URL: target.apiUrl,
    API_TOKEN: target.apiToken,
    DEPLOY_COMMANDS: 'true',
    DISCORD_GUILD_ID: GUILD,
    DISCORD_ADMIN_ROLE_ID: ADMIN_ROLE,
    HOST_EXTERNAL: 'play.example.net',
    BOT_STATE_PATH: target.statePath,
  });
  const logger = createLogger(process.env.BOT_TEST_LOG ?? 'silent');
  return startBot(config, { logger, metricsIntervalMs: 0 });
}

/** Everything a user reads in a message: content, embed titles, descriptions, fields, footers. */
export function textOf(message: APIMessage | undefined): string {
  if (!message) return '';
  const view = viewMessage(message);
  const parts = [view.content];
  for (const e of view.embeds) {
    parts.push(
      e.title ?? '',
      e.description ?? '',
      ...e.fields.map((f) => `${f.name}: ${f.value}`),
      e.footer ?? '',
    );
  }
  return parts.filter((p) => p !== '').join('\n');
}

type OptionValue = string | number | boolean;

/**
 * `[{ name: sub, options: [{ name, value }] }]` for `/server <sub> key:value ...`, and
 * `[{ name: group, options: [{ name: sub, options }] }]` for `/server <group> <sub> ...` (`sub` = `backup now`).
 */
export function serverOptions(sub: string, values: Record<string, OptionValue> = {}, focused?: string) {
  const options = Object.entries(values).map(([name, value]) => ({
    name,
    value,
    ...(focused === name ? { focused: true } : {}),
  }));
  const [first = sub, second] = sub.split(' ');
  return second ? [{ name: first, options: [{ name: second, options }] }] : [{ name: first, options }];
}

/**
 * What the tests do as users (commands, autocomplete, reading the ephemeral answer) and as an operator (the
 * API with the admin token). Given getters: the world is made in `beforeAll`.
 */
export function userActions(
  discordOf: () => FakeDiscord,
  stackOf: () => { apiUrl: string; adminToken: string },
) {
  const command = (
    userId: string,
    sub: string,
    values: Record<string, OptionValue> = {},
    channelId = GENERAL,
  ) =>
    discordOf().invokeCommand({
      guildId: GUILD,
      channelId,
      userId,
      name: 'server',
      options: serverOptions(sub, values),
    });
  const autocomplete = (userId: string, sub: string, values: Record<string, OptionValue>, focused: string) =>
    discordOf().invokeAutocomplete({
      guildId: GUILD,
      channelId: GENERAL,
      userId,
      name: 'server',
      options: serverOptions(sub, values, focused),
    });
  /** The ephemeral answer to a command, once it is no longer "thinking…" and `predicate` holds. */
  const answer = async (
    handle: ReturnType<typeof command>,
    predicate: (text: string) => boolean = () => true,
  ) =>
    textOf(
      await handle.waitForOriginal(
        (m) => ((m.flags ?? 0) & 128) === 0 && textOf(m) !== '' && predicate(textOf(m)),
        30_000,
      ),
    );

  /** The API's answer, or its refusal as an error carrying its JSON. */
  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${stackOf().apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${stackOf().adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
    return json;
  }
  const serverNamed = async (name: string) =>
    (await api<{ servers: Server[] }>('GET', `/v1/servers?guildId=${GUILD}&limit=100`)).servers.find(
      (s) => s.name === name,
    )!;
  async function waitForState(name: string, state: Server['state']): Promise<void> {
    await expect
      .poll(async () => (await serverNamed(name))?.state, { timeout: 30_000, interval: 100 })
      .toBe(state);
  }
  return { command, autocomplete, answer, api, serverNamed, waitForState };
}
