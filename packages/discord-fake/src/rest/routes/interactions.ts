// The interaction callback and the interaction webhook (token) routes: the 3 s deadline, "already
// acknowledged", the 15-minute token, deferred replies whose ephemerality is fixed at defer time.
import {
  type APIMessage,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  MessageType,
} from 'discord-api-types/v10';
import { DiscordErrors, type FormErrors } from '../../errors.js';
import type { InteractionRecord } from '../../interactions/store.js';
import { buildMessage, editMessage, hasMessageContent } from '../../messages.js';
import { checkCallbackBody } from '../../rules/callback-rules.js';
import { isRecord } from '../../rules/limits.js';
import { checkMessageBody } from '../../rules/message-rules.js';
import type { FakeContext, Route, RouteRequest } from '../types.js';

const CALLBACK = '/interactions/{interaction_id}/{interaction_token}/callback';
const WEBHOOK = '/webhooks/{webhook_id}/{webhook_token}';
const ORIGINAL = '/webhooks/{webhook_id}/{webhook_token}/messages/@original';
const WEBHOOK_MESSAGE = '/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}';

function callbackTarget(req: RouteRequest, ctx: FakeContext): InteractionRecord {
  const record = ctx.interactions.byId.get(req.params.interaction_id!);
  if (!record || record.token !== req.params.interaction_token) throw DiscordErrors.unknownInteraction();
  if (record.callback) throw DiscordErrors.alreadyAcknowledged();
  if (ctx.interactions.pastDeadline(record)) {
    record.lateAnswer = true;
    ctx.interactions.updated(record);
    throw DiscordErrors.unknownInteraction();
  }
  return record;
}

/** The interaction behind a webhook token: the token must be live and the interaction acknowledged. */
function tokenTarget(req: RouteRequest, ctx: FakeContext): InteractionRecord {
  if (req.params.webhook_id !== ctx.applicationId) throw DiscordErrors.unknownWebhook();
  const record = ctx.interactions.byToken.get(req.params.webhook_token!);
  if (!record || ctx.interactions.tokenExpired(record)) throw DiscordErrors.invalidWebhookToken();
  if (!record.callback || record.type === InteractionType.ApplicationCommandAutocomplete)
    throw DiscordErrors.unknownWebhook();
  return record;
}

const body = (req: RouteRequest): Record<string, unknown> => (isRecord(req.body) ? req.body : {});

function interactionMetadata(
  ctx: FakeContext,
  record: InteractionRecord,
  extra: Record<string, unknown> = {},
) {
  return {
    id: record.id,
    type: record.type,
    user: ctx.world.apiUser(record.userId),
    authorizing_integration_owners: record.guildId ? { '0': record.guildId } : { '1': record.userId },
    ...(record.commandName ? { name: record.commandName, command_type: 1 } : {}),
    ...(record.sourceMessageId ? { interacted_message_id: record.sourceMessageId } : {}),
    ...extra,
  };
}

function responseType(record: InteractionRecord): MessageType {
  return record.type === InteractionType.ApplicationCommand
    ? MessageType.ChatInputCommand
    : MessageType.Reply;
}

function messageOf(ctx: FakeContext, id: string | undefined): APIMessage {
  const message = id ? ctx.world.messages.get(id) : undefined;
  if (!message) throw DiscordErrors.unknownMessage();
  return message;
}

function channelOf(ctx: FakeContext, record: InteractionRecord) {
  const channel = ctx.world.channels.get(record.channelId);
  if (!channel) throw DiscordErrors.unknownChannel();
  return channel;
}

function deleteMessage(ctx: FakeContext, message: APIMessage): void {
  ctx.world.messages.delete(message.id);
  const channel = ctx.world.channels.get(message.channel_id);
  if (channel) channel.messageIds = channel.messageIds.filter((id) => id !== message.id);
  ctx.world.changed();
}

export const interactionRoutes: Route[] = [
  {
    method: 'POST',
    template: CALLBACK,
    auth: 'none',
    precheck: callbackTarget,
    rules(req, ctx, errors) {
      const record = ctx.interactions.byId.get(req.params.interaction_id!)!;
      checkCallbackBody(req.body, record.type, record.sourceMessageId !== undefined, errors);
    },
    handle(req, ctx) {
      const record = callbackTarget(req, ctx);
      const { type } = body(req) as { type: InteractionResponseType };
      const data = isRecord(body(req).data) ? (body(req).data as Record<string, unknown>) : undefined;
      const world = ctx.world;
      let message: APIMessage | undefined;
      switch (type) {
        case InteractionResponseType.ChannelMessageWithSource:
        case InteractionResponseType.DeferredChannelMessageWithSource: {
          const deferred = type === InteractionResponseType.DeferredChannelMessageWithSource;
          if (!deferred && !hasMessageContent(data ?? {})) throw DiscordErrors.emptyMessage();
          message = buildMessage(world, {
            channelId: record.channelId,
            // A deferred reply shows "thinking…"; only its Ephemeral flag counts, and it is fixed from now on.
            body: deferred ? { flags: data?.flags } : (data ?? {}),
            type: responseType(record),
            flags: deferred ? MessageFlags.Loading : 0,
            allowEphemeral: true,
            webhookId: ctx.applicationId,
            interactionMetadata: interactionMetadata(ctx, record),
          });
          world.addMessage(channelOf(ctx, record), message);
          record.originalMessageId = message.id;
          record.loading = deferred;
          break;
        }
        case InteractionResponseType.DeferredMessageUpdate:
          record.originalMessageId = record.sourceMessageId;
          break;
        case InteractionResponseType.UpdateMessage: {
          message = messageOf(ctx, record.sourceMessageId);
          editMessage(world, message, data ?? {});
          record.originalMessageId = message.id;
          world.changed();
          break;
        }
        case InteractionResponseType.ApplicationCommandAutocompleteResult:
          record.choices = structuredClone(
            (data?.choices ?? []) as NonNullable<InteractionRecord['choices']>,
          );
          break;
        default:
          break;
      }
      record.callback = { type, ...(data ? { data: structuredClone(data) } : {}) };
      ctx.interactions.updated(record);
      world.changed();
      if (req.query.get('with_response') !== 'true') return { status: 204 };
      return {
        status: 200,
        body: {
          interaction: {
            id: record.id,
            type: record.type,
            ...(message
              ? {
                  response_message_id: message.id,
                  response_message_loading: record.loading,
                  response_message_ephemeral: ((message.flags ?? 0) & MessageFlags.Ephemeral) !== 0,
                }
              : {}),
          },
          resource: {
            type,
            ...(message && type !== InteractionResponseType.DeferredChannelMessageWithSource
              ? { message: structuredClone(message) }
              : {}),
          },
        },
      };
    },
  },
  {
    method: 'GET',
    template: ORIGINAL,
    auth: 'none',
    handle(req, ctx) {
      const record = tokenTarget(req, ctx);
      return { status: 200, body: structuredClone(messageOf(ctx, record.originalMessageId)) };
    },
  },
  {
    method: 'PATCH',
    template: ORIGINAL,
    auth: 'none',
    precheck: tokenTarget,
    rules: (req, _ctx, errors) => checkMessageBody(req.body, errors),
    handle(req, ctx) {
      const record = tokenTarget(req, ctx);
      const message = messageOf(ctx, record.originalMessageId);
      editMessage(ctx.world, message, body(req), !record.loading);
      record.loading = false;
      ctx.interactions.updated(record);
      ctx.world.changed();
      return { status: 200, body: structuredClone(message) };
    },
  },
  {
    method: 'DELETE',
    template: ORIGINAL,
    auth: 'none',
    handle(req, ctx) {
      const record = tokenTarget(req, ctx);
      deleteMessage(ctx, messageOf(ctx, record.originalMessageId));
      record.originalMessageId = undefined;
      ctx.interactions.updated(record);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    template: WEBHOOK,
    auth: 'none',
    precheck: tokenTarget,
    rules: (req, _ctx, errors) => checkMessageBody(req.body, errors),
    handle(req, ctx) {
      const record = tokenTarget(req, ctx);
      const data = body(req);
      if (!hasMessageContent(data)) throw DiscordErrors.emptyMessage();
      let message: APIMessage;
      if (record.loading && record.originalMessageId) {
        // Discord: the first follow-up after a deferred reply replaces the "thinking…" message, keeping the
        // ephemerality chosen at defer time.
        message = messageOf(ctx, record.originalMessageId);
        editMessage(ctx.world, message, data, false);
        record.loading = false;
      } else {
        message = buildMessage(ctx.world, {
          channelId: record.channelId,
          body: data,
          type: responseType(record),
          allowEphemeral: true,
          webhookId: ctx.applicationId,
          interactionMetadata: interactionMetadata(ctx, record, {
            ...(record.originalMessageId ? { original_response_message_id: record.originalMessageId } : {}),
          }),
        });
        ctx.world.addMessage(channelOf(ctx, record), message);
        record.followUpIds.push(message.id);
      }
      ctx.interactions.updated(record);
      ctx.world.changed();
      return req.query.get('wait') === 'true'
        ? { status: 200, body: structuredClone(message) }
        : { status: 204 };
    },
  },
  ...(['GET', 'PATCH', 'DELETE'] as const).map(
    (method): Route => ({
      method,
      template: WEBHOOK_MESSAGE,
      auth: 'none',
      ...(method === 'PATCH'
        ? {
            precheck: tokenTarget,
            rules: (req: RouteRequest, _ctx: FakeContext, errors: FormErrors) =>
              checkMessageBody(req.body, errors),
          }
        : {}),
      handle(req, ctx) {
        const record = tokenTarget(req, ctx);
        const id = req.params.message_id!;
        if (id !== record.originalMessageId && !record.followUpIds.includes(id))
          throw DiscordErrors.unknownMessage();
        const message = messageOf(ctx, id);
        if (method === 'GET') return { status: 200, body: structuredClone(message) };
        if (method === 'DELETE') {
          deleteMessage(ctx, message);
          return { status: 204 };
        }
        editMessage(ctx.world, message, body(req), !(record.loading && id === record.originalMessageId));
        if (id === record.originalMessageId) record.loading = false;
        ctx.interactions.updated(record);
        ctx.world.changed();
        return { status: 200, body: structuredClone(message) };
      },
    }),
  ),
];
