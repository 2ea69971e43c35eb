// Where `gs create` puts a server: the Discord guild it belongs to, its owner and the channel for its notices.
import { CliError } from '../errors.js';
import type { CommandContext } from './context.js';

export interface Place {
  guildId: string;
  ownerId: string;
  channelId: string;
}

const PARTS = [
  { key: 'guildId', what: 'guild', flag: '--guild', variable: 'GS_GUILD_ID' },
  { key: 'ownerId', what: 'owner', flag: '--owner', variable: 'GS_OWNER_ID' },
  { key: 'channelId', what: 'channel', flag: '--channel', variable: 'GS_CHANNEL_ID' },
] as const;

/**
 * The flags first, then GS_GUILD_ID/GS_OWNER_ID/GS_CHANNEL_ID, then — when `gs` talks to the local stack — the
 * fake Discord's guild, its admin user `demo` and #general, as the stack recorded them. Whatever is still
 * missing is refused in one sentence naming the flags and variables.
 */
export function placeOf(
  ctx: CommandContext,
  flags: { guild?: string; owner?: string; channel?: string },
): Place {
  const fromFlags: Partial<Place> = { guildId: flags.guild, ownerId: flags.owner, channelId: flags.channel };
  const fromEnv = ctx.env.createDefaults;
  const discord = ctx.target().stack?.discord;
  const fromStack: Partial<Place> =
    discord?.mode === 'fake'
      ? { guildId: discord.guildId, ownerId: discord.userId, channelId: discord.channelId }
      : {};
  const place: Partial<Place> = {};
  for (const { key } of PARTS) place[key] = fromFlags[key] ?? fromEnv[key] ?? fromStack[key];
  const missing = PARTS.filter(({ key }) => !place[key]);
  if (missing.length > 0) {
    const list = (words: string[]) =>
      words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
    throw new CliError(
      `gs create needs the Discord ${list(missing.map((m) => m.what))} the server belongs to: pass ${list(missing.map((m) => `${m.flag} <id>`))}, or set ${list(missing.map((m) => m.variable))}.`,
      'usage',
    );
  }
  return place as Place;
}
