// Who is asking, decided once per interaction (admin-ness included).
import type { BaseInteraction } from 'discord.js';
import { PermissionFlagsBits } from 'discord.js';
import { BotError } from '../core/bot-error.js';
import type { Asker, BotServices } from '../core/services.js';

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
