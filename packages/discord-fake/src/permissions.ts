// Permission bit sets as Discord computes them: @everyone, then roles, then channel overwrites
// (@everyone, roles, member); owners and Administrator get everything.
import { type APIOverwrite, OverwriteType, PermissionFlagsBits } from 'discord-api-types/v10';

export type PermissionInput = bigint | number | string | readonly string[];

export const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

/** What a fresh guild's @everyone may do (Discord's defaults, minus voice). */
export const DEFAULT_EVERYONE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.CreateInstantInvite |
  PermissionFlagsBits.ChangeNickname |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.CreatePrivateThreads |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseExternalEmojis |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.UseApplicationCommands;

/** The bot's managed role: what a typical invite link grants. */
export const DEFAULT_BOT_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.UseApplicationCommands;

/** `ManageGuild`, `'ManageGuild|KickMembers'`, `['Administrator']`, `'32'` or `32n`. */
export function parsePermissions(input: PermissionInput | undefined): bigint {
  if (input === undefined) return 0n;
  if (typeof input === 'bigint') return input;
  if (typeof input === 'number') return BigInt(input);
  const names = typeof input === 'string' ? input.split(/[|,\s]+/).filter(Boolean) : input;
  let bits = 0n;
  for (const name of names) {
    if (/^\d+$/.test(name)) {
      bits |= BigInt(name);
      continue;
    }
    const bit = (PermissionFlagsBits as Record<string, bigint>)[name];
    if (bit === undefined) throw new Error(`unknown Discord permission '${name}'`);
    bits |= bit;
  }
  return bits;
}

export interface PermissionSubject {
  userId: string;
  roleIds: readonly string[];
}

export function basePermissions(
  guild: { id: string; ownerId: string; roles: readonly { id: string; permissions: bigint }[] },
  subject: PermissionSubject,
): bigint {
  if (subject.userId === guild.ownerId) return ALL_PERMISSIONS;
  let bits = guild.roles.find((r) => r.id === guild.id)?.permissions ?? 0n;
  for (const role of guild.roles) if (subject.roleIds.includes(role.id)) bits |= role.permissions;
  return bits & PermissionFlagsBits.Administrator ? ALL_PERMISSIONS : bits;
}

export function channelPermissions(
  guildId: string,
  base: bigint,
  overwrites: readonly APIOverwrite[],
  subject: PermissionSubject,
): bigint {
  if (base & PermissionFlagsBits.Administrator) return ALL_PERMISSIONS;
  let bits = base;
  const apply = (o: APIOverwrite | undefined) => {
    if (!o) return;
    bits &= ~BigInt(o.deny);
    bits |= BigInt(o.allow);
  };
  apply(overwrites.find((o) => o.id === guildId && o.type === OverwriteType.Role));
  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites)
    if (o.type === OverwriteType.Role && o.id !== guildId && subject.roleIds.includes(o.id)) {
      allow |= BigInt(o.allow);
      deny |= BigInt(o.deny);
    }
  bits = (bits & ~deny) | allow;
  apply(overwrites.find((o) => o.id === subject.userId && o.type === OverwriteType.Member));
  return bits;
}
