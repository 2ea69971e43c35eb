// Messages sent with the bot token: channel permissions (50013), closed DMs (50007), DM channels.
import { ChannelType, MessageType } from 'discord-api-types/v10';
import { DiscordErrors } from '../../errors.js';
import { buildMessage, editMessage, hasMessageContent } from '../../messages.js';
import { isRecord } from '../../rules/limits.js';
import { checkMessageBody } from '../../rules/message-rules.js';
import { isEphemeral } from '../../world.js';
import type { FakeContext, Route, RouteRequest } from '../types.js';

function channel(req: RouteRequest, ctx: FakeContext) {
  const found = ctx.world.channels.get(req.params.channel_id!);
  if (!found) throw DiscordErrors.unknownChannel();
  return found;
}

function channelMessage(req: RouteRequest, ctx: FakeContext) {
  const ch = channel(req, ctx);
  const message = ctx.world.messages.get(req.params.message_id!);
  // Ephemeral messages exist only for their user; the channel routes never see them.
  if (!message || message.channel_id !== ch.id || isEphemeral(message)) throw DiscordErrors.unknownMessage();
  return { ch, message };
}

function assertCanSend(req: RouteRequest, ctx: FakeContext): void {
  const ch = channel(req, ctx);
  if (ch.type === ChannelType.DM) {
    if (ctx.world.users.get(ch.recipientId!)?.dmsClosed) throw DiscordErrors.cannotMessageUser();
  } else if (!ctx.world.botCanSend(ch)) throw DiscordErrors.missingPermissions();
}

export const channelRoutes: Route[] = [
  {
    method: 'GET',
    template: '/channels/{channel_id}',
    auth: 'bot',
    handle: (req, ctx) => ({ status: 200, body: ctx.world.apiChannel(channel(req, ctx)) }),
  },
  {
    method: 'POST',
    template: '/channels/{channel_id}/messages',
    auth: 'bot',
    precheck: assertCanSend,
    rules: (req, _ctx, errors) => checkMessageBody(req.body, errors),
    handle(req, ctx) {
      assertCanSend(req, ctx);
      const body = isRecord(req.body) ? req.body : {};
      if (!hasMessageContent(body)) throw DiscordErrors.emptyMessage();
      const ch = channel(req, ctx);
      const { world } = ctx;
      const nonce = typeof body.nonce === 'string' || typeof body.nonce === 'number' ? body.nonce : undefined;
      if (nonce !== undefined && body.enforce_nonce === true) {
        const earlier = world.messages.get(world.nonces.earlier(world.bot.id, nonce) ?? '');
        if (earlier) return { status: 200, body: { ...structuredClone(earlier), nonce } };
      }
      const message = buildMessage(world, {
        channelId: ch.id,
        body,
        type: isRecord(body.message_reference) ? MessageType.Reply : MessageType.Default,
      });
      world.addMessage(ch, message);
      if (nonce === undefined) return { status: 200, body: structuredClone(message) };
      world.nonces.remember(world.bot.id, nonce, message.id);
      // The nonce comes back in the create answer (and MESSAGE_CREATE), not in later reads of the message.
      return { status: 200, body: { ...structuredClone(message), nonce } };
    },
  },
  {
    method: 'GET',
    template: '/channels/{channel_id}/messages',
    auth: 'bot',
    handle(req, ctx) {
      const ch = channel(req, ctx);
      const limit = Math.min(Number(req.query.get('limit') ?? 50) || 50, 100);
      return { status: 200, body: ctx.world.channelMessages(ch.id).reverse().slice(0, limit) };
    },
  },
  {
    method: 'GET',
    template: '/channels/{channel_id}/messages/{message_id}',
    auth: 'bot',
    handle: (req, ctx) => ({ status: 200, body: structuredClone(channelMessage(req, ctx).message) }),
  },
  {
    method: 'PATCH',
    template: '/channels/{channel_id}/messages/{message_id}',
    auth: 'bot',
    precheck: channelMessage,
    rules: (req, _ctx, errors) => checkMessageBody(req.body, errors),
    handle(req, ctx) {
      const { message } = channelMessage(req, ctx);
      if (message.author.id !== ctx.world.bot.id) throw DiscordErrors.cannotEditOthersMessage();
      editMessage(ctx.world, message, isRecord(req.body) ? req.body : {});
      ctx.world.changed();
      return { status: 200, body: structuredClone(message) };
    },
  },
  {
    method: 'DELETE',
    template: '/channels/{channel_id}/messages/{message_id}',
    auth: 'bot',
    handle(req, ctx) {
      const { ch, message } = channelMessage(req, ctx);
      if (message.author.id !== ctx.world.bot.id && !ctx.world.botCanSend(ch))
        throw DiscordErrors.missingPermissions();
      ctx.world.messages.delete(message.id);
      ch.messageIds = ch.messageIds.filter((id) => id !== message.id);
      ctx.world.changed();
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    template: '/users/@me/channels',
    auth: 'bot',
    handle(req, ctx) {
      const body = isRecord(req.body) ? req.body : {};
      const recipient = typeof body.recipient_id === 'string' ? body.recipient_id : undefined;
      if (!recipient || !ctx.world.users.has(recipient) || recipient === ctx.world.bot.id)
        throw DiscordErrors.unknownUser();
      return { status: 200, body: ctx.world.apiChannel(ctx.world.dmChannel(recipient)) };
    },
  },
];
