// The Discord side of the local stack. Without DISCORD_TOKEN: the fake Discord (a demo guild, a channel, two
// users) with its control surface, so `pnpm discord say "/server …"` can type into it; with DISCORD_TOKEN: the
// real Discord. Either way the bot (apps/discord-bot) runs as a child process group with a `bot`-scope token.
import { type FakeDiscord, fakeBotToken, startFakeDiscord } from '@guildserver/discord-fake';
import { CliError } from '../errors.js';
import { type ApiProcess, type ChildEnv, spawnNodeChild } from './api-process.js';

/** The demo world of the fake Discord. */
export const DEMO_DISCORD = {
  applicationId: '150000000000000042',
  guildId: '110000000000000042',
  guildName: 'GuildServer Demo',
  channelId: '120000000000000042',
  channelName: 'general',
  /** Has Manage Server: an admin in the bot's eyes. */
  demoUser: { id: '140000000000000042', username: 'demo' },
  /** A plain member: sees and acts on only their own servers. */
  otherUser: { id: '140000000000000043', username: 'friend' },
} as const;

export async function startDemoDiscord(port = 0): Promise<{ fake: FakeDiscord; botToken: string }> {
  const botToken = fakeBotToken(DEMO_DISCORD.applicationId);
  const fake = await startFakeDiscord({
    botToken,
    applicationId: DEMO_DISCORD.applicationId,
    port,
    guilds: [
      {
        id: DEMO_DISCORD.guildId,
        name: DEMO_DISCORD.guildName,
        channels: [{ id: DEMO_DISCORD.channelId, name: DEMO_DISCORD.channelName }],
        members: [{ ...DEMO_DISCORD.demoUser, permissions: 'ManageGuild' }, { ...DEMO_DISCORD.otherUser }],
      },
    ],
    control: {
      defaultGuildId: DEMO_DISCORD.guildId,
      defaultChannelId: DEMO_DISCORD.channelId,
      defaultUserId: DEMO_DISCORD.demoUser.id,
      settleMs: 5_000,
    },
  });
  return { fake, botToken };
}

export interface BotSettings {
  discordToken: string;
  /** The fake's restUrl; unset for the real Discord. */
  discordApiUrl?: string;
  guildId?: string;
  apiUrl: string;
  apiToken: string;
  statePath: string;
}

/** The bot's environment: the caller's Discord settings, with the API and (for the fake) Discord pointed locally. */
export function botEnvironment(inherited: ChildEnv, settings: BotSettings): ChildEnv {
  const env: ChildEnv = {};
  for (const [key, value] of Object.entries(inherited)) if (!key.startsWith('PROXMOX_')) env[key] = value;
  return {
    ...env,
    DISCORD_TOKEN: settings.discordToken,
    ...(settings.discordApiUrl
      ? {
          DISCORD_API_URL: settings.discordApiUrl,
          DISCORD_APPLICATION_ID: DEMO_DISCORD.applicationId,
          DISCORD_ADMIN_ROLE_ID: undefined,
        }
      : {}),
    ...(settings.guildId ? { DISCORD_GUILD_ID: settings.guildId } : {}),
    DEPLOY_COMMANDS: settings.discordApiUrl ? 'true' : (inherited.DEPLOY_COMMANDS ?? 'true'),
    API_URL: settings.apiUrl,
    API_TOKEN: settings.apiToken,
    BOT_STATE_PATH: settings.statePath,
    LOG_LEVEL: inherited.LOG_LEVEL || 'info',
  };
}

export function spawnBot(env: ChildEnv, logPath: string): ApiProcess {
  return spawnNodeChild('bot', [], env, logPath, 'discord-bot:');
}

/** Resolves once the bot registered its commands in the demo guild (it is connected and ready). */
export async function waitForBotReady(fake: FakeDiscord, exited: Promise<never>, timeoutMs = 60_000) {
  await Promise.race([
    fake.waitFor(
      () => fake.registeredCommands(DEMO_DISCORD.guildId).length > 0 && fake.gatewayConnections > 0,
      timeoutMs,
    ),
    exited,
  ]).catch((error: unknown) => {
    if (error instanceof CliError) throw error;
    throw new CliError(
      `The Discord bot did not register its commands within ${timeoutMs / 1000} s.`,
      'stack_failed',
    );
  });
}
