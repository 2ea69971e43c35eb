// The fake's control surface over HTTP (outside /api), so another process — `pnpm discord say …`, a person with
// curl — can "type" into Discord as a user and read what that user sees. Mounted by startFakeDiscord when its
// `control` option is set.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type APIMessage, InteractionResponseType } from 'discord-api-types/v10';
import type { InteractionHandle } from '../interactions/invoke.js';
import { isRecord } from '../rules/limits.js';
import { type MessageView, viewMessage } from '../view.js';
import { isEphemeral, type World } from '../world.js';
import { optionAt, parseSlashCommand, SlashCommandSyntaxError } from './parse.js';
import type { FakeDiscordLike } from './types.js';

export const CONTROL_PREFIX = '/_fake';

export interface FakeControlOptions {
  /** Who types when a request names no user (default: the first member of the default guild). */
  defaultUserId?: string;
  /** Where commands are typed when a request names no guild (default: the first guild). */
  defaultGuildId?: string;
  /** Default: the guild's first channel. */
  defaultChannelId?: string;
  /** How long `say`/`click`/`submit` wait for the bot's answer to settle (no longer "thinking…"), default 5 s. */
  settleMs?: number;
}

/** A message as a user sees it, with where it is. */
export interface ControlMessage extends MessageView {
  channelId: string;
  /** Set once it was edited. */
  editedAt?: string;
}

/** What `say`, `click` and `submit` answer: the bot's first answer and the message the user now sees. */
export interface ControlResult {
  interactionId: string;
  user: { id: string; username: string };
  /** The first callback: reply, deferred (thinking…), update, deferred-update, modal. */
  answer: 'reply' | 'deferred' | 'update' | 'deferred-update' | 'modal' | 'other';
  message?: ControlMessage;
  followUps: ControlMessage[];
  modal?: {
    customId: string;
    title: string;
    inputs: { customId: string; label: string; required: boolean }[];
  };
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createControlHandler(
  fake: FakeDiscordLike,
  world: World,
  options: FakeControlOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const settleMs = options.settleMs ?? 5_000;

  const guildOf = (id: string | undefined) => {
    const guildId = id ?? options.defaultGuildId ?? world.guilds.keys().next().value;
    const guild = guildId ? world.guilds.get(guildId) : undefined;
    if (!guild) throw new ControlError(400, `guild ${guildId ?? '(none)'} is not known to the fake`);
    return guild;
  };
  const userOf = (who: string | undefined, guildId: string | undefined) => {
    if (who === undefined || who === '') {
      const guild = guildId ? world.guilds.get(guildId) : undefined;
      const id =
        options.defaultUserId ??
        [...(guild?.members.keys() ?? [])].find((m) => !world.users.get(m)?.bot) ??
        [...world.users.values()].find((u) => !u.bot)?.id;
      const user = id ? world.users.get(id) : undefined;
      if (!user) throw new ControlError(400, 'the fake has no user to type as');
      return user;
    }
    const wanted = who.replace(/^@/, '').toLowerCase();
    const user =
      world.users.get(who) ??
      [...world.users.values()].find(
        (u) => !u.bot && (u.username.toLowerCase() === wanted || u.globalName?.toLowerCase() === wanted),
      );
    if (!user)
      throw new ControlError(
        400,
        `no user '${who}'; the users are ${[...world.users.values()]
          .filter((u) => !u.bot)
          .map((u) => u.username)
          .join(', ')}`,
      );
    return user;
  };
  const channelOf = (guildId: string, wanted: string | undefined) => {
    const guild = guildOf(guildId);
    const id =
      wanted === undefined
        ? guildId === options.defaultGuildId && options.defaultChannelId
          ? options.defaultChannelId
          : guild.channelIds[0]
        : (guild.channelIds.find(
            (c) => c === wanted || world.channels.get(c)?.name === wanted.replace(/^#/, ''),
          ) ?? wanted);
    const channel = id ? world.channels.get(id) : undefined;
    if (!channel || channel.guildId !== guild.id)
      throw new ControlError(400, `channel ${wanted ?? '(none)'} is not in guild ${guild.name}`);
    return channel;
  };

  const show = (m: APIMessage): ControlMessage => ({
    ...viewMessage(m),
    channelId: m.channel_id,
    ...(m.edited_timestamp ? { editedAt: m.edited_timestamp } : {}),
  });

  /** Waits for the first callback, then for a deferred answer to settle (within settleMs), and describes it. */
  const settle = async (
    handle: InteractionHandle,
    userId: string,
    sourceMessageId: string | undefined,
    waitMs: number,
  ): Promise<ControlResult> => {
    let first: Awaited<ReturnType<InteractionHandle['response']>>;
    try {
      first = await handle.response(Math.max(waitMs, 3_500));
    } catch (error) {
      if (handle.answeredLate)
        throw new ControlError(
          504,
          'the bot answered after the 3 s deadline: the user sees "The application did not respond"',
        );
      throw new ControlError(
        504,
        `the bot did not answer (${error instanceof Error ? error.message : String(error)}); is it connected?`,
      );
    }
    const T = InteractionResponseType;
    const answer =
      first.type === T.ChannelMessageWithSource
        ? 'reply'
        : first.type === T.DeferredChannelMessageWithSource
          ? 'deferred'
          : first.type === T.UpdateMessage
            ? 'update'
            : first.type === T.DeferredMessageUpdate
              ? 'deferred-update'
              : first.type === T.Modal
                ? 'modal'
                : 'other';
    if (answer === 'deferred')
      await fake
        .waitFor(() => {
          const original = handle.original();
          return original && !viewMessage(original).loading;
        }, waitMs)
        .catch(() => undefined);
    const original =
      handle.original() ??
      (sourceMessageId && answer !== 'modal' ? fake.message(sourceMessageId) : undefined);
    const user = world.users.get(userId)!;
    const result: ControlResult = {
      interactionId: handle.id,
      user: { id: user.id, username: user.username },
      answer,
      ...(original ? { message: show(original) } : {}),
      followUps: handle.followUps.map(show),
    };
    if (answer === 'modal' && first.data) result.modal = describeModal(first.data);
    return result;
  };

  const routes: Record<string, (body: Record<string, unknown>, url: URL) => Promise<unknown>> = {
    'GET /': async () => ({
      guilds: [...world.guilds.values()].map((g) => ({
        id: g.id,
        name: g.name,
        channels: g.channelIds.map((id) => ({ id, name: world.channels.get(id)?.name ?? null })),
        members: [...g.members.keys()]
          .map((id) => world.users.get(id)!)
          .filter((u) => !u.bot)
          .map((u) => ({ id: u.id, username: u.username })),
        commands: fake.registeredCommands(g.id).map((c) => c.name),
      })),
      globalCommands: fake.registeredCommands().map((c) => c.name),
      botConnected: fake.gatewayConnections > 0,
      defaultUser: safe(() => userOf(undefined, guildOf(undefined).id).username),
    }),

    'POST /say': async (body) => {
      const text = str(body.text, 'text');
      const dm = body.dm === true;
      const guild = dm ? undefined : guildOf(optStr(body.guildId, 'guildId'));
      const user = userOf(optStr(body.user ?? body.userId, 'user'), guild?.id);
      const channel = guild
        ? channelOf(guild.id, optStr(body.channel ?? body.channelId, 'channel'))
        : undefined;
      const commands = [...(guild ? fake.registeredCommands(guild.id) : []), ...fake.registeredCommands()];
      const parsed = parseSlashCommand(text, commands);
      const place = {
        ...(guild ? { guildId: guild.id } : {}),
        ...(channel ? { channelId: channel.id } : {}),
        userId: user.id,
        name: parsed.name,
      };
      // A typed value in an autocomplete option is what the user would pick from the suggestions.
      for (const path of parsed.autocomplete) {
        const option = optionAt(parsed.options, path);
        if (!option || typeof option.value !== 'string') continue;
        const typed = option.value;
        option.focused = true;
        const choices = await fake
          .invokeAutocomplete({ ...place, options: parsed.options })
          .response(3_500)
          .catch(() => []);
        delete option.focused;
        option.value = pickChoice(typed, choices) ?? typed;
      }
      const handle = fake.invokeCommand({ ...place, options: parsed.options });
      return settle(handle, user.id, undefined, num(body.waitMs) ?? settleMs);
    },

    'POST /click': async (body) => {
      const messageId = str(body.messageId, 'messageId');
      const message = fake.message(messageId);
      if (!message) throw new ControlError(404, `message ${messageId} does not exist (any more)`);
      const guildId = 'guild_id' in message ? (message.guild_id as string | undefined) : undefined;
      const owner = ephemeralOwner(message);
      const user = userOf(
        optStr(body.user ?? body.userId, 'user') ?? owner,
        guildId ?? world.channels.get(message.channel_id)?.guildId,
      );
      const handle = fake.clickButton({
        message: messageId,
        customId: str(body.customId, 'customId'),
        userId: user.id,
      });
      return settle(handle, user.id, messageId, num(body.waitMs) ?? settleMs);
    },

    'POST /submit': async (body) => {
      const fields = isRecord(body.fields) ? body.fields : {};
      const user = userOf(optStr(body.user ?? body.userId, 'user'), guildOf(undefined).id);
      const handle = fake.submitModal({
        customId: str(body.customId, 'customId'),
        fields: Object.fromEntries(
          Object.entries(fields).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]),
        ),
        userId: user.id,
      });
      return settle(handle, user.id, undefined, num(body.waitMs) ?? settleMs);
    },

    'GET /messages': async (_body, url) => {
      const who = url.searchParams.get('user') ?? undefined;
      if (url.searchParams.get('dm') === 'true') {
        const user = userOf(who, undefined);
        return { messages: fake.dmMessages(user.id).map(show) };
      }
      const guild = guildOf(url.searchParams.get('guildId') ?? undefined);
      const channel = channelOf(guild.id, url.searchParams.get('channelId') ?? undefined);
      const viewer = who ? userOf(who, guild.id).id : undefined;
      const messages = fake
        .channelMessages(channel.id, { includeEphemeral: true })
        .filter((m) => !isEphemeral(m) || (viewer !== undefined && ephemeralOwner(m) === viewer));
      return { channelId: channel.id, messages: messages.map(show) };
    },
  };

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.slice(CONTROL_PREFIX.length).replace(/\/+$/, '') || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 2)}\n`);
    };
    try {
      const text = await readText(req);
      let body: Record<string, unknown> = {};
      if (text.trim()) {
        const parsed: unknown = JSON.parse(text);
        if (!isRecord(parsed)) throw new ControlError(400, 'the body must be a JSON object');
        body = parsed;
      }
      const one = /^\/messages\/(\d+)$/.exec(path);
      if (one && method === 'GET') {
        const message = fake.message(one[1]!);
        if (!message) throw new ControlError(404, `message ${one[1]} does not exist (any more)`);
        return send(200, show(message));
      }
      const route = routes[`${method} ${path}`];
      if (!route) throw new ControlError(404, `no control route ${method} ${CONTROL_PREFIX}${path}`);
      send(200, await route(body, url));
    } catch (error) {
      const status =
        error instanceof ControlError
          ? error.status
          : error instanceof SlashCommandSyntaxError || error instanceof SyntaxError
            ? 400
            : error instanceof Error && !(error instanceof TypeError)
              ? 400 // what Discord's client refuses before sending (unknown option, disabled button…)
              : 500;
      const message = error instanceof Error ? error.message : String(error);
      send(status, { error: { message } });
    }
  };
}

/** The suggestion a user would pick for what they typed: same value, same name, or the one name starting with it. */
export function pickChoice(
  typed: string,
  choices: readonly { name: string; value: string | number }[],
): string | number | undefined {
  const low = typed.toLowerCase();
  const exact =
    choices.find((c) => String(c.value) === typed) ?? choices.find((c) => c.name.toLowerCase() === low);
  if (exact) return exact.value;
  // Names like "survival · minecraft-java · running": the first part is what the user typed.
  const head = choices.filter((c) => c.name.toLowerCase().split(/\s+[·|-]\s+/)[0] === low);
  if (head.length === 1) return head[0]!.value;
  const prefixed = choices.filter((c) => c.name.toLowerCase().startsWith(low));
  return prefixed.length === 1 ? prefixed[0]!.value : undefined;
}

function describeModal(data: Record<string, unknown>): NonNullable<ControlResult['modal']> {
  const inputs: { customId: string; label: string; required: boolean }[] = [];
  const visit = (c: unknown, label?: string) => {
    if (!isRecord(c)) return;
    if (c.type === 4 && typeof c.custom_id === 'string')
      inputs.push({
        customId: c.custom_id,
        label: typeof c.label === 'string' ? c.label : (label ?? c.custom_id),
        required: c.required !== false,
      });
    if (Array.isArray(c.components)) for (const child of c.components) visit(child);
    if (isRecord(c.component)) visit(c.component, typeof c.label === 'string' ? c.label : undefined);
  };
  for (const c of Array.isArray(data.components) ? data.components : []) visit(c);
  return {
    customId: String(data.custom_id ?? ''),
    title: String(data.title ?? ''),
    inputs,
  };
}

function ephemeralOwner(message: APIMessage): string | undefined {
  return (message as { interaction_metadata?: { user?: { id?: string } } }).interaction_metadata?.user?.id;
}

const str = (value: unknown, name: string): string => {
  if (typeof value !== 'string' || value === '')
    throw new ControlError(400, `${name} is required (a string)`);
  return value;
};
const optStr = (value: unknown, name: string): string | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ControlError(400, `${name} must be a string`);
  return value;
};
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
const safe = <T>(fn: () => T): T | undefined => {
  try {
    return fn();
  } catch {
    return undefined;
  }
};

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1024 * 1024) {
        reject(new ControlError(413, 'the body is too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
