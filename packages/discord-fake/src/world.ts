// The fake's state: users, guilds (roles, channels, members), DM channels, messages and commands, plus the
// Discord-shaped objects built from them. Every change emits 'change' so tests can wait on what they expect.
import { EventEmitter } from 'node:events';
import {
  type APIApplicationCommand,
  type APIChannel,
  type APIGuildMember,
  type APIInteractionGuildMember,
  type APIMessage,
  type APIOverwrite,
  type APIRole,
  type APIUser,
  ChannelType,
  type GuildMemberFlags,
  MessageFlags,
  PermissionFlagsBits,
  type RoleFlags,
} from 'discord-api-types/v10';
import type { FakeClock } from './clock.js';
import { NonceRegistry } from './nonces.js';
import {
  basePermissions,
  channelPermissions,
  DEFAULT_BOT_PERMISSIONS,
  DEFAULT_EVERYONE_PERMISSIONS,
  type PermissionInput,
  parsePermissions,
} from './permissions.js';
import { isSnowflake, type SnowflakeGenerator } from './snowflake.js';

export interface FakeRoleSpec {
  id: string;
  name: string;
  permissions?: PermissionInput;
  color?: number;
}

export interface FakeChannelSpec {
  id: string;
  name: string;
  topic?: string;
}

export interface FakeMemberSpec {
  id: string;
  username: string;
  globalName?: string;
  /** Extra permissions for this member (e.g. `'ManageGuild'`), given through a role of their own. */
  permissions?: PermissionInput;
  /** Role ids (from the guild's `roles`). */
  roles?: string[];
  bot?: boolean;
}

export interface FakeGuildSpec {
  id: string;
  name: string;
  /** Defaults to a user outside `members`, so no test user is owner (owners have every permission). */
  ownerId?: string;
  channels: FakeChannelSpec[];
  members: FakeMemberSpec[];
  roles?: FakeRoleSpec[];
}

export interface UserRecord {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
  dmsClosed: boolean;
}

export interface RoleRecord {
  id: string;
  name: string;
  permissions: bigint;
  color: number;
  position: number;
  managed: boolean;
  botId?: string;
}

export interface MemberRecord {
  userId: string;
  roleIds: string[];
  joinedAt: string;
}

export interface ChannelRecord {
  id: string;
  name: string | null;
  type: ChannelType.GuildText | ChannelType.DM;
  guildId?: string;
  recipientId?: string;
  topic: string | null;
  position: number;
  overwrites: APIOverwrite[];
  messageIds: string[];
  lastMessageId: string | null;
}

export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  roles: RoleRecord[];
  channelIds: string[];
  members: Map<string, MemberRecord>;
  joinedAt: string;
}

export class World extends EventEmitter {
  readonly users = new Map<string, UserRecord>();
  readonly guilds = new Map<string, GuildRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly messages = new Map<string, APIMessage>();
  readonly dmChannelByUser = new Map<string, string>();
  /** 'global' or a guild id → the commands registered there. */
  readonly commands = new Map<string, APIApplicationCommand[]>();
  /** The nonces of messages created recently (Create Message's `enforce_nonce`). */
  readonly nonces: NonceRegistry;

  constructor(
    readonly clock: FakeClock,
    readonly ids: SnowflakeGenerator,
    readonly bot: UserRecord,
    readonly applicationId: string,
  ) {
    super();
    this.nonces = new NonceRegistry(clock);
    this.setMaxListeners(0);
    this.users.set(bot.id, bot);
  }

  private held = 0;
  private pending = false;

  changed(): void {
    if (this.held > 0) this.pending = true;
    else this.emit('change');
  }

  /** Runs `fn` with change notices held back until it settles (so waiters see a request only once it is logged). */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    this.held++;
    try {
      return await fn();
    } finally {
      this.held--;
      if (this.held === 0 && this.pending) {
        this.pending = false;
        this.emit('change');
      }
    }
  }

  isoNow(): string {
    return new Date(this.clock.now()).toISOString();
  }

  addGuild(spec: FakeGuildSpec): GuildRecord {
    for (const id of [
      spec.id,
      ...spec.channels.map((c) => c.id),
      ...spec.members.map((m) => m.id),
      ...(spec.roles ?? []).map((r) => r.id),
    ])
      if (!isSnowflake(id))
        throw new Error(`'${id}' is not a snowflake (17–19 digits); discord.js rejects such ids`);
    const joinedAt = this.isoNow();
    const roles: RoleRecord[] = [
      {
        id: spec.id,
        name: '@everyone',
        permissions: DEFAULT_EVERYONE_PERMISSIONS,
        color: 0,
        position: 0,
        managed: false,
      },
    ];
    for (const role of spec.roles ?? [])
      roles.push({
        id: role.id,
        name: role.name,
        permissions: parsePermissions(role.permissions),
        color: role.color ?? 0,
        position: roles.length,
        managed: false,
      });
    const botRoleId = this.ids.next();
    roles.push({
      id: botRoleId,
      name: this.bot.username,
      permissions: DEFAULT_BOT_PERMISSIONS,
      color: 0,
      position: roles.length,
      managed: true,
      botId: this.bot.id,
    });
    const guild: GuildRecord = {
      id: spec.id,
      name: spec.name,
      ownerId: spec.ownerId ?? this.ids.next(),
      roles,
      channelIds: [],
      members: new Map(),
      joinedAt,
    };
    guild.members.set(this.bot.id, { userId: this.bot.id, roleIds: [botRoleId], joinedAt });
    for (const m of spec.members) {
      this.addUser({ id: m.id, username: m.username, globalName: m.globalName, bot: m.bot });
      const roleIds = [...(m.roles ?? [])];
      for (const id of roleIds)
        if (!roles.some((r) => r.id === id))
          throw new Error(`member ${m.id}: role ${id} is not in guild ${spec.id}`);
      if (m.permissions !== undefined) {
        const id = this.ids.next();
        roles.push({
          id,
          name: `${m.username} permissions`,
          permissions: parsePermissions(m.permissions),
          color: 0,
          position: roles.length,
          managed: false,
        });
        roleIds.push(id);
      }
      guild.members.set(m.id, { userId: m.id, roleIds, joinedAt });
    }
    spec.channels.forEach((c, position) => {
      this.channels.set(c.id, {
        id: c.id,
        name: c.name,
        type: ChannelType.GuildText,
        guildId: spec.id,
        topic: c.topic ?? null,
        position,
        overwrites: [],
        messageIds: [],
        lastMessageId: null,
      });
      guild.channelIds.push(c.id);
    });
    this.guilds.set(guild.id, guild);
    return guild;
  }

  addUser(u: {
    id: string;
    username: string;
    globalName?: string | undefined;
    bot?: boolean | undefined;
  }): UserRecord {
    const existing = this.users.get(u.id);
    if (existing) return existing;
    const user: UserRecord = {
      id: u.id,
      username: u.username,
      globalName: u.globalName ?? null,
      bot: u.bot ?? false,
      dmsClosed: false,
    };
    this.users.set(u.id, user);
    return user;
  }

  /** The DM channel with a user, created on first use (ids are stable per user). */
  dmChannel(userId: string): ChannelRecord {
    const existing = this.dmChannelByUser.get(userId);
    if (existing) return this.channels.get(existing)!;
    const channel: ChannelRecord = {
      id: this.ids.next(),
      name: null,
      type: ChannelType.DM,
      recipientId: userId,
      topic: null,
      position: 0,
      overwrites: [],
      messageIds: [],
      lastMessageId: null,
    };
    this.channels.set(channel.id, channel);
    this.dmChannelByUser.set(userId, channel.id);
    return channel;
  }

  // --- permissions ---

  memberPermissions(guild: GuildRecord, userId: string, channel?: ChannelRecord): bigint {
    const member = guild.members.get(userId);
    const subject = { userId, roleIds: member?.roleIds ?? [] };
    const base = basePermissions(guild, subject);
    return channel ? channelPermissions(guild.id, base, channel.overwrites, subject) : base;
  }

  botCanSend(channel: ChannelRecord): boolean {
    if (!channel.guildId) return true;
    const guild = this.guilds.get(channel.guildId)!;
    const bits = this.memberPermissions(guild, this.bot.id, channel);
    return (
      (bits & PermissionFlagsBits.ViewChannel) !== 0n && (bits & PermissionFlagsBits.SendMessages) !== 0n
    );
  }

  // --- Discord-shaped objects ---

  apiUser(id: string): APIUser {
    const u = this.users.get(id);
    if (!u) throw new Error(`unknown user ${id}`);
    return {
      id: u.id,
      username: u.username,
      discriminator: u.bot ? '0000' : '0',
      global_name: u.globalName,
      avatar: null,
      ...(u.bot ? { bot: true } : {}),
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
      primary_guild: null,
    } as unknown as APIUser;
  }

  apiRole(role: RoleRecord): APIRole {
    return {
      id: role.id,
      name: role.name,
      color: role.color,
      colors: { primary_color: role.color, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions.toString(),
      managed: role.managed,
      mentionable: false,
      flags: 0 as RoleFlags,
      ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
    };
  }

  apiMember(guild: GuildRecord, userId: string): APIGuildMember {
    const m = guild.members.get(userId)!;
    return {
      user: this.apiUser(userId),
      nick: null,
      avatar: null,
      banner: null,
      roles: [...m.roleIds],
      joined_at: m.joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0 as GuildMemberFlags,
      pending: false,
      communication_disabled_until: null,
    };
  }

  interactionMember(guild: GuildRecord, userId: string, channel: ChannelRecord): APIInteractionGuildMember {
    return {
      ...this.apiMember(guild, userId),
      permissions: this.memberPermissions(guild, userId, channel).toString(),
    } as APIInteractionGuildMember;
  }

  apiChannel(channel: ChannelRecord): APIChannel {
    if (channel.type === ChannelType.DM)
      return {
        id: channel.id,
        type: ChannelType.DM,
        last_message_id: channel.lastMessageId,
        flags: 0,
        recipients: [this.apiUser(channel.recipientId!)],
      } as unknown as APIChannel;
    return {
      id: channel.id,
      type: ChannelType.GuildText,
      guild_id: channel.guildId!,
      name: channel.name!,
      position: channel.position,
      permission_overwrites: channel.overwrites.map((o) => ({ ...o })),
      parent_id: null,
      topic: channel.topic,
      nsfw: false,
      last_message_id: channel.lastMessageId,
      rate_limit_per_user: 0,
      flags: 0,
    } as unknown as APIChannel;
  }

  /** The full guild as GUILD_CREATE carries it (roles, channels, members incl. the bot). */
  guildCreatePayload(guild: GuildRecord): Record<string, unknown> {
    return {
      ...this.apiGuild(guild),
      joined_at: guild.joinedAt,
      large: false,
      unavailable: false,
      member_count: guild.members.size,
      lazy: true,
      voice_states: [],
      members: [...guild.members.keys()].map((id) => this.apiMember(guild, id)),
      channels: guild.channelIds.map((id) => {
        const { guild_id: _omitted, ...rest } = this.apiChannel(this.channels.get(id)!) as {
          guild_id?: string;
        };
        return rest;
      }),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  apiGuild(guild: GuildRecord): Record<string, unknown> {
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      icon_hash: null,
      splash: null,
      discovery_splash: null,
      owner_id: guild.ownerId,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: guild.roles.map((r) => this.apiRole(r)),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      max_presences: null,
      max_members: 500000,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      safety_alerts_channel_id: null,
      incidents_data: null,
    };
  }

  // --- messages ---

  addMessage(channel: ChannelRecord, message: APIMessage): APIMessage {
    this.messages.set(message.id, message);
    channel.messageIds.push(message.id);
    channel.lastMessageId = message.id;
    this.changed();
    return message;
  }

  /** Messages in a channel, oldest first, as copies (ephemeral ones included only when asked). */
  channelMessages(channelId: string, includeEphemeral = false): APIMessage[] {
    const channel = this.channels.get(channelId);
    if (!channel) return [];
    return channel.messageIds
      .map((id) => this.messages.get(id)!)
      .filter((m) => includeEphemeral || !isEphemeral(m))
      .map((m) => structuredClone(m));
  }
}

export function isEphemeral(message: Pick<APIMessage, 'flags'>): boolean {
  return ((message.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
}
