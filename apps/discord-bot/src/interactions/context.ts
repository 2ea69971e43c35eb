// What every handler is given: the bot's services, and who is asking (with admin-ness decided once).
import type { BaseInteraction } from 'discord.js';
import { PermissionFlagsBits } from 'discord.js';
import type { Logger } from 'pino';
import type { GameCatalog, ServerLookup } from '../api/caches.js';
import type { Acting, ApiClient } from '../api/client.js';
import type { BotConfig } from '../config.js';
import type { Notifier } from '../notices/notifier.js';
import { BotError } from '../rendering/sentences.js';

export interface BotServices {
  config: BotConfig;
  logger: Logger;
  api: ApiClient;
  catalog: GameCatalog;
  servers: ServerLookup;
  notices: Notifier;
  /** The application id, known from config or READY. */
  applicationId: () => string;
  now: () => number;
}

export interface Asker {
  userId: string;
  guildId: string;
  channelId: string;
  /** Manage Server, or the DISCORD_ADMIN_ROLE_ID role. */
  admin: boolean;
  /** What the API is told: the user, and the guild they are an admin of. */
  acting: Acting;
  /** When the bot received the interaction (the token lives 15 minutes from then). */
  receivedAt: number;
}

/** Role ids of the member, whether discord.js built a GuildMember or kept the raw API member. */
function roleIdsOf(member: BaseInteraction['member']): string[] {
  if (!member) return [];
  const roles = (member as { roles: unknown }).roles;
  if (Array.isArray(roles)) return roles as string[];
  const cached = (roles as { cache?: Map<string, unknown> } | undefined)?.cache;
  const raw = (member as unknown as { _roles?: string[] })._roles ?? [];
  return [...new Set([...(cached ? [...cached.keys()] : []), ...raw])];
}

export function isGuildAdmin(interaction: BaseInteraction, adminRoleId: string | undefined): boolean {
  if (interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return true;
  return adminRoleId !== undefined && roleIdsOf(interaction.member).includes(adminRoleId);
}

export function askerOf(interaction: BaseInteraction, services: BotServices, receivedAt: number): Asker {
  if (!interaction.guildId || !interaction.channelId) {
    throw new BotError('not_in_guild', 'GuildServer commands work in a server’s channels, not in DMs.');
  }
  const admin = isGuildAdmin(interaction, services.config.adminRoleId);
  return {
    userId: interaction.user.id,
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    admin,
    acting: admin
      ? { userId: interaction.user.id, adminOfGuild: interaction.guildId }
      : { userId: interaction.user.id },
    receivedAt,
  };
}
