// Building and editing messages the way Discord stores them: author, timestamps, mentions, flags that may or may
// not change on edit.
import { type APIMessage, type APIUser, MessageFlags, type MessageType } from 'discord-api-types/v10';
import { isRecord } from './rules/limits.js';
import type { World } from './world.js';

/** Flags a bot may set when creating a message (others are Discord's own). */
const CREATE_FLAGS =
  MessageFlags.SuppressEmbeds | MessageFlags.SuppressNotifications | MessageFlags.IsComponentsV2;
/** Flags a bot may change when editing. */
const EDIT_FLAGS = MessageFlags.SuppressEmbeds | MessageFlags.IsComponentsV2;

export function hasMessageContent(body: Record<string, unknown>): boolean {
  const nonEmpty = (v: unknown) => (typeof v === 'string' ? v.length > 0 : Array.isArray(v) && v.length > 0);
  return (
    nonEmpty(body.content) ||
    nonEmpty(body.embeds) ||
    nonEmpty(body.components) ||
    nonEmpty(body.sticker_ids) ||
    nonEmpty(body.attachments) ||
    isRecord(body.poll)
  );
}

export interface NewMessage {
  channelId: string;
  body: Record<string, unknown>;
  type: MessageType;
  /** Extra flags the fake sets itself (Ephemeral, Loading). */
  flags?: number;
  allowEphemeral?: boolean;
  webhookId?: string;
  interactionMetadata?: Record<string, unknown>;
  interaction?: Record<string, unknown>;
}

export function buildMessage(world: World, m: NewMessage): APIMessage {
  const requested = typeof m.body.flags === 'number' ? m.body.flags : 0;
  const allowed = CREATE_FLAGS | (m.allowEphemeral ? MessageFlags.Ephemeral : 0);
  const message: Record<string, unknown> = {
    id: world.ids.next(),
    type: m.type,
    channel_id: m.channelId,
    author: world.apiUser(world.bot.id),
    content: '',
    timestamp: world.isoNow(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    components: [],
    pinned: false,
    flags: (requested & allowed) | (m.flags ?? 0),
    ...(m.webhookId ? { webhook_id: m.webhookId, application_id: world.applicationId } : {}),
    ...(m.interactionMetadata ? { interaction_metadata: m.interactionMetadata } : {}),
    ...(m.interaction ? { interaction: m.interaction } : {}),
  };
  const msg = message as unknown as APIMessage;
  applyContent(world, msg, m.body);
  return msg;
}

/** PATCH semantics: fields present replace, `null` clears, absent ones stay; Ephemeral never changes. */
export function editMessage(
  world: World,
  message: APIMessage,
  body: Record<string, unknown>,
  stamp = true,
): void {
  applyContent(world, message, body);
  let flags = (message.flags ?? 0) & ~MessageFlags.Loading;
  if (typeof body.flags === 'number') flags = (flags & ~EDIT_FLAGS) | (body.flags & EDIT_FLAGS);
  message.flags = flags;
  if (stamp) message.edited_timestamp = world.isoNow();
}

function applyContent(world: World, message: APIMessage, body: Record<string, unknown>): void {
  const target = message as unknown as Record<string, unknown>;
  if ('content' in body) target.content = typeof body.content === 'string' ? body.content : '';
  if ('embeds' in body)
    target.embeds = Array.isArray(body.embeds)
      ? body.embeds.map((e) => ({ type: 'rich', ...(isRecord(e) ? structuredClone(e) : {}) }))
      : [];
  if ('components' in body)
    target.components = Array.isArray(body.components) ? structuredClone(body.components) : [];
  if ('poll' in body && isRecord(body.poll)) target.poll = structuredClone(body.poll);
  if ('content' in body || 'allowed_mentions' in body)
    message.mentions = mentionedUsers(world, message.content, body);
}

function mentionedUsers(world: World, content: string, body: Record<string, unknown>): APIUser[] {
  const allowed = isRecord(body.allowed_mentions) ? body.allowed_mentions : undefined;
  const parse = allowed && Array.isArray(allowed.parse) ? allowed.parse : undefined;
  const users = allowed && Array.isArray(allowed.users) ? allowed.users : undefined;
  const ids = new Set<string>();
  for (const match of content.matchAll(/<@!?(\d{17,20})>/g)) {
    const id = match[1]!;
    if (!world.users.has(id)) continue;
    if (allowed && !(parse?.includes('users') || users?.includes(id))) continue;
    ids.add(id);
  }
  return [...ids].map((id) => world.apiUser(id));
}
