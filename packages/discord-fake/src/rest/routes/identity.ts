// Who the bot is and where it lives: users, the application, the gateway, guilds and members.
import { ApplicationFlags } from 'discord-api-types/v10';
import { DiscordErrors } from '../../errors.js';
import type { FakeContext, Route, RouteRequest } from '../types.js';

function guild(req: RouteRequest, ctx: FakeContext) {
  const found = ctx.world.guilds.get(req.params.guild_id!);
  if (!found) throw DiscordErrors.unknownGuild();
  return found;
}

export const APPLICATION_FLAGS = ApplicationFlags.GatewayGuildMembersLimited;

export function applicationObject(ctx: FakeContext): Record<string, unknown> {
  const bot = ctx.world.apiUser(ctx.world.bot.id);
  return {
    id: ctx.applicationId,
    name: ctx.world.bot.username,
    icon: null,
    description: '',
    summary: '',
    type: null,
    hook: true,
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    flags: APPLICATION_FLAGS,
    owner: { ...bot, id: ctx.world.guilds.values().next().value?.ownerId ?? bot.id, bot: undefined },
    team: null,
    bot,
    tags: [],
    redirect_uris: [],
    interactions_endpoint_url: null,
    role_connections_verification_url: null,
    approximate_guild_count: ctx.world.guilds.size,
    approximate_user_install_count: 0,
    integration_types_config: { '0': {} },
    install_params: { scopes: ['bot', 'applications.commands'], permissions: '0' },
  };
}

export const identityRoutes: Route[] = [
  {
    method: 'GET',
    template: '/gateway/bot',
    auth: 'bot',
    handle: (_req, ctx) => ({
      status: 200,
      body: {
        url: ctx.gatewayUrl(),
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
      },
    }),
  },
  {
    method: 'GET',
    template: '/gateway',
    auth: 'none',
    handle: (_req, ctx) => ({ status: 200, body: { url: ctx.gatewayUrl() } }),
  },
  {
    method: 'GET',
    template: '/users/@me',
    auth: 'bot',
    handle: (_req, ctx) => ({
      status: 200,
      body: {
        ...ctx.world.apiUser(ctx.world.bot.id),
        verified: true,
        mfa_enabled: false,
        locale: 'en-US',
        email: null,
      },
    }),
  },
  {
    method: 'GET',
    template: '/users/{user_id}',
    auth: 'bot',
    handle(req, ctx) {
      if (!ctx.world.users.has(req.params.user_id!)) throw DiscordErrors.unknownUser();
      return { status: 200, body: ctx.world.apiUser(req.params.user_id!) };
    },
  },
  {
    method: 'GET',
    template: '/applications/@me',
    auth: 'bot',
    handle: (_req, ctx) => ({ status: 200, body: applicationObject(ctx) }),
  },
  {
    method: 'GET',
    template: '/guilds/{guild_id}',
    auth: 'bot',
    handle: (req, ctx) => ({ status: 200, body: ctx.world.apiGuild(guild(req, ctx)) }),
  },
  {
    method: 'GET',
    template: '/guilds/{guild_id}/channels',
    auth: 'bot',
    handle(req, ctx) {
      const g = guild(req, ctx);
      return {
        status: 200,
        body: g.channelIds.map((id) => ctx.world.apiChannel(ctx.world.channels.get(id)!)),
      };
    },
  },
  {
    method: 'GET',
    template: '/guilds/{guild_id}/members/{user_id}',
    auth: 'bot',
    handle(req, ctx) {
      const g = guild(req, ctx);
      if (!g.members.has(req.params.user_id!)) throw DiscordErrors.unknownMember();
      return { status: 200, body: ctx.world.apiMember(g, req.params.user_id!) };
    },
  },
];
