// "Typing" into Discord: building the INTERACTION_CREATE payloads a user's slash command, autocomplete, button
// click or modal submit produces, with the checks Discord's client makes before it sends anything (the command
// exists, required options are there, the button is on the message and enabled, the modal was shown).
import { randomBytes } from 'node:crypto';
import {
  type APIApplicationCommand,
  type APIApplicationCommandInteractionDataOption,
  type APIApplicationCommandOption,
  type APIApplicationCommandOptionChoice,
  type APIInteraction,
  type APIMessage,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ComponentType,
  InteractionContextType,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
} from 'discord-api-types/v10';
import type { GatewayServer } from '../gateway/server.js';
import { DEFAULT_BOT_PERMISSIONS } from '../permissions.js';
import { isRecord } from '../rules/limits.js';
import { waitUntil } from '../waiting.js';
import { type ChannelRecord, type GuildRecord, isEphemeral, type World } from '../world.js';
import { ClientRefusal, checkOptionValue } from './client-checks.js';
import type { InteractionCallback, InteractionRecord, InteractionStore } from './store.js';

export interface CommandOptionInput {
  name: string;
  /** Filled in from the registered command when omitted (else inferred from the value). */
  type?: ApplicationCommandOptionType;
  value?: string | number | boolean;
  options?: CommandOptionInput[];
  /** Autocomplete: the option the user is typing in. */
  focused?: boolean;
}

export interface InvokeCommandInput {
  /** Omit for a command used in the bot's DMs. */
  guildId?: string;
  /** Defaults to the guild's first channel. */
  channelId?: string;
  userId: string;
  name: string;
  /** Discord's option shape; subcommands nest: `[{ name: 'create', options: [{ name: 'game', value: 'x' }] }]`. */
  options?: CommandOptionInput[];
  locale?: string;
}

export interface ClickButtonInput {
  /** The message (as returned by the fake) or its id; its current state is used. */
  message: APIMessage | string;
  customId: string;
  userId: string;
  locale?: string;
}

export interface SelectMenuInput extends ClickButtonInput {
  values: string[];
}

export interface SubmitModalInput {
  customId: string;
  /** Text input custom_id → value (string selects inside labels: → values). */
  fields: Record<string, string | string[]>;
  userId: string;
  guildId?: string;
  channelId?: string;
  locale?: string;
}

export interface InteractionHandle {
  readonly id: string;
  readonly token: string;
  /** The INTERACTION_CREATE payload as dispatched. */
  readonly payload: APIInteraction;
  /** The first callback the bot sent (rejects if it came after the 3 s deadline, or not within `timeoutMs`). */
  response(timeoutMs?: number): Promise<InteractionCallback>;
  /** The `@original` message once `predicate` holds for it (default: any content, not "thinking…"). */
  waitForOriginal(predicate?: (message: APIMessage) => boolean, timeoutMs?: number): Promise<APIMessage>;
  /** The `@original` message as it stands (undefined before a reply). */
  original(): APIMessage | undefined;
  /** Follow-up messages, oldest first, as they stand. */
  readonly followUps: APIMessage[];
  readonly acknowledged: boolean;
  /** True when the bot answered after the deadline (and got 10062). */
  readonly answeredLate: boolean;
}

export interface AutocompleteHandle {
  readonly id: string;
  readonly token: string;
  readonly payload: APIInteraction;
  /** The choices the bot offered. */
  response(timeoutMs?: number): Promise<APIApplicationCommandOptionChoice[]>;
  readonly answeredLate: boolean;
}

const DEFAULT_WAIT_MS = 10_000;
const TEXT_INPUT = ComponentType.TextInput;
const LABEL = 18;

export class InteractionDispatcher {
  private readonly syntheticCommandIds = new Map<string, string>();

  constructor(
    private readonly world: World,
    private readonly store: InteractionStore,
    private readonly gateway: GatewayServer,
  ) {}

  invokeCommand(input: InvokeCommandInput): InteractionHandle {
    const record = this.commandInteraction(input, InteractionType.ApplicationCommand);
    return this.handle(record);
  }

  invokeAutocomplete(input: InvokeCommandInput): AutocompleteHandle {
    const focused = JSON.stringify(input.options ?? []).includes('"focused":true');
    if (!focused) throw new Error('invokeAutocomplete: mark the option being typed with `focused: true`');
    const record = this.commandInteraction(input, InteractionType.ApplicationCommandAutocomplete);
    const world = this.world;
    return {
      id: record.id,
      token: record.token,
      payload: record.payload,
      get answeredLate() {
        return record.lateAnswer === true;
      },
      response: (timeoutMs = DEFAULT_WAIT_MS) =>
        waitUntil(
          world,
          () => {
            if (record.lateAnswer) throw lateError(record);
            return record.choices;
          },
          timeoutMs,
          `the autocomplete answer to /${record.commandName}`,
        ),
    };
  }

  clickButton(input: ClickButtonInput): InteractionHandle {
    return this.component(input, undefined);
  }

  selectMenu(input: SelectMenuInput): InteractionHandle {
    return this.component(input, input.values);
  }

  submitModal(input: SubmitModalInput): InteractionHandle {
    const shown = this.store
      .all()
      .reverse()
      .find(
        (r) =>
          r.userId === input.userId &&
          r.callback?.type === InteractionResponseType.Modal &&
          r.callback.data?.custom_id === input.customId &&
          (!input.guildId || r.guildId === input.guildId) &&
          (!input.channelId || r.channelId === input.channelId),
      );
    if (!shown)
      throw new Error(`submitModal: no modal '${input.customId}' was shown to user ${input.userId}`);
    const modal = shown.callback!.data!;
    const given = new Map(Object.entries(input.fields));
    const components = (Array.isArray(modal.components) ? modal.components : [])
      .filter(isRecord)
      .flatMap((c): Record<string, unknown>[] => {
        if (c.type === ComponentType.ActionRow && Array.isArray(c.components)) {
          const inputs = c.components.filter(isRecord).filter((t) => t.type === TEXT_INPUT);
          return [{ type: ComponentType.ActionRow, components: inputs.map((t) => submitted(t, given)) }];
        }
        if (c.type === LABEL && isRecord(c.component))
          return [
            {
              type: LABEL,
              ...(c.id !== undefined ? { id: c.id } : {}),
              component: submitted(c.component, given),
            },
          ];
        return [];
      });
    if (given.size > 0)
      throw new Error(
        `submitModal: modal '${input.customId}' has no field(s) ${[...given.keys()].join(', ')}`,
      );
    const channel = this.world.channels.get(shown.channelId)!;
    const source = shown.sourceMessageId ? this.world.messages.get(shown.sourceMessageId) : undefined;
    const record = this.create(
      InteractionType.ModalSubmit,
      input.userId,
      channel,
      input.locale,
      (common) => ({
        ...common,
        data: { custom_id: input.customId, components },
        ...(source ? { message: structuredClone(source) } : {}),
      }),
    );
    if (source) record.sourceMessageId = source.id;
    this.dispatch(record);
    return this.handle(record);
  }

  // --- building ---

  private component(input: ClickButtonInput, values: string[] | undefined): InteractionHandle {
    const id = typeof input.message === 'string' ? input.message : input.message.id;
    const message = this.world.messages.get(id);
    if (!message) throw new Error(`clickButton: message ${id} does not exist (any more)`);
    const component = findComponent(message.components ?? [], input.customId);
    if (!component) throw new Error(`clickButton: message ${id} has no component '${input.customId}'`);
    if (component.disabled === true) throw new Error(`clickButton: '${input.customId}' is disabled`);
    if (values === undefined && component.type !== ComponentType.Button)
      throw new Error(`clickButton: '${input.customId}' is not a button (use selectMenu)`);
    if (isEphemeral(message)) {
      const owner = (message as { interaction_metadata?: { user?: { id?: string } } }).interaction_metadata
        ?.user?.id;
      if (owner !== input.userId)
        throw new Error(`clickButton: user ${input.userId} cannot see ephemeral message ${id}`);
    }
    const channel = this.world.channels.get(message.channel_id)!;
    const record = this.create(
      InteractionType.MessageComponent,
      input.userId,
      channel,
      input.locale,
      (common) => ({
        ...common,
        data: {
          custom_id: input.customId,
          component_type: component.type as number,
          ...(values ? { values, resolved: {} } : {}),
        },
        message: structuredClone(message),
      }),
    );
    record.sourceMessageId = message.id;
    this.dispatch(record);
    return this.handle(record);
  }

  private commandInteraction(input: InvokeCommandInput, type: InteractionType): InteractionRecord {
    const { guild, channel } = this.place(input.userId, input.guildId, input.channelId);
    const autocomplete = type === InteractionType.ApplicationCommandAutocomplete;
    const command = this.findCommand(input.name, guild?.id);
    const options = normalizeOptions(
      input.options ?? [],
      command?.options,
      command !== undefined,
      autocomplete,
      `/${input.name}`,
    );
    const resolved = this.resolve(options, guild, channel);
    const record = this.create(type, input.userId, channel, input.locale, (common) => ({
      ...common,
      data: {
        id: command?.id ?? this.syntheticId(input.name),
        name: input.name,
        type: ApplicationCommandType.ChatInput,
        ...(options.length > 0 ? { options } : {}),
        ...(resolved ? { resolved } : {}),
        ...(command && 'guild_id' in command && command.guild_id ? { guild_id: command.guild_id } : {}),
      },
    }));
    record.commandName = input.name;
    this.dispatch(record);
    return record;
  }

  private place(userId: string, guildId: string | undefined, channelId: string | undefined) {
    if (!this.world.users.has(userId)) throw new Error(`user ${userId} is not known to the fake`);
    if (guildId === undefined) {
      const channel = this.world.dmChannel(userId);
      return { guild: undefined, channel };
    }
    const guild = this.world.guilds.get(guildId);
    if (!guild) throw new Error(`guild ${guildId} is not known to the fake`);
    if (!guild.members.has(userId)) throw new Error(`user ${userId} is not a member of guild ${guildId}`);
    const channel = this.world.channels.get(channelId ?? guild.channelIds[0] ?? '');
    if (!channel || channel.guildId !== guildId)
      throw new Error(`channel ${channelId} is not in guild ${guildId}`);
    return { guild, channel };
  }

  private findCommand(name: string, guildId: string | undefined): APIApplicationCommand | undefined {
    const scopes = guildId ? [guildId, 'global'] : ['global'];
    const registered = scopes.flatMap((s) => this.world.commands.get(s) ?? []);
    const found = registered.find((c) => c.name === name && c.type === ApplicationCommandType.ChatInput);
    if (!found && registered.length > 0)
      throw new Error(
        `/${name} is not registered${guildId ? ` in guild ${guildId} or globally` : ' globally'}`,
      );
    return found;
  }

  private syntheticId(name: string): string {
    let id = this.syntheticCommandIds.get(name);
    if (!id) {
      id = this.world.ids.next();
      this.syntheticCommandIds.set(name, id);
    }
    return id;
  }

  private resolve(
    options: APIApplicationCommandInteractionDataOption[],
    guild: GuildRecord | undefined,
    channel: ChannelRecord,
  ) {
    const resolved: Record<string, Record<string, unknown>> = {};
    const put = (kind: string, id: string, value: unknown) => {
      resolved[kind] ??= {};
      resolved[kind][id] = value;
    };
    const walk = (list: APIApplicationCommandInteractionDataOption[]) => {
      for (const o of list) {
        if ('options' in o && Array.isArray(o.options))
          walk(o.options as APIApplicationCommandInteractionDataOption[]);
        if (!('value' in o) || typeof o.value !== 'string') continue;
        const id = o.value;
        if (
          o.type === ApplicationCommandOptionType.User ||
          o.type === ApplicationCommandOptionType.Mentionable
        ) {
          if (this.world.users.has(id)) {
            put('users', id, this.world.apiUser(id));
            if (guild?.members.has(id)) {
              const { user: _user, ...member } = this.world.interactionMember(guild, id, channel);
              put('members', id, member);
            }
          }
        }
        if (
          (o.type === ApplicationCommandOptionType.Role ||
            o.type === ApplicationCommandOptionType.Mentionable) &&
          guild
        ) {
          const role = guild.roles.find((r) => r.id === id);
          if (role) put('roles', id, this.world.apiRole(role));
        }
        if (o.type === ApplicationCommandOptionType.Channel) {
          const ch = this.world.channels.get(id);
          if (ch && guild)
            put('channels', id, {
              id,
              name: ch.name,
              type: ch.type,
              permissions: this.world.memberPermissions(guild, this.world.bot.id, ch).toString(),
            });
        }
      }
    };
    walk(options);
    return Object.keys(resolved).length > 0 ? resolved : undefined;
  }

  private create(
    type: InteractionType,
    userId: string,
    channel: ChannelRecord,
    locale: string | undefined,
    build: (common: Record<string, unknown>) => Record<string, unknown>,
  ): InteractionRecord {
    const world = this.world;
    const guild = channel.guildId ? world.guilds.get(channel.guildId) : undefined;
    const id = world.ids.next();
    // Discord's tokens: base64 of `interaction:<id>:<secret>`.
    const token = Buffer.from(`interaction:${id}:${randomBytes(48).toString('base64url')}`).toString(
      'base64url',
    );
    const appPermissions = guild
      ? world.memberPermissions(guild, world.bot.id, channel)
      : DEFAULT_BOT_PERMISSIONS;
    const apiChannel = world.apiChannel(channel) as unknown as Record<string, unknown>;
    const common: Record<string, unknown> = {
      id,
      application_id: world.applicationId,
      type,
      token,
      version: 1,
      channel_id: channel.id,
      channel: guild
        ? { ...apiChannel, permissions: world.memberPermissions(guild, userId, channel).toString() }
        : apiChannel,
      app_permissions: appPermissions.toString(),
      locale: locale ?? 'en-US',
      entitlements: [],
      authorizing_integration_owners: guild ? { '0': guild.id } : { '1': userId },
      context: guild ? InteractionContextType.Guild : InteractionContextType.BotDM,
      attachment_size_limit: 10_485_760,
      ...(guild
        ? {
            guild_id: guild.id,
            guild: { id: guild.id, locale: 'en-US', features: [] },
            guild_locale: 'en-US',
            member: world.interactionMember(guild, userId, channel),
          }
        : { user: world.apiUser(userId) }),
    };
    const payload = build(common) as unknown as APIInteraction;
    const record: InteractionRecord = {
      id,
      token,
      type,
      payload,
      createdAt: world.clock.now(),
      userId,
      ...(guild ? { guildId: guild.id } : {}),
      channelId: channel.id,
      loading: false,
      followUpIds: [],
    };
    this.store.add(record);
    return record;
  }

  private dispatch(record: InteractionRecord): void {
    this.gateway.dispatch('INTERACTION_CREATE', record.payload);
    this.world.changed();
  }

  private handle(record: InteractionRecord): InteractionHandle {
    const world = this.world;
    const original = () => {
      const id = record.originalMessageId;
      const message = id ? world.messages.get(id) : undefined;
      return message ? structuredClone(message) : undefined;
    };
    return {
      id: record.id,
      token: record.token,
      payload: record.payload,
      get acknowledged() {
        return record.callback !== undefined;
      },
      get answeredLate() {
        return record.lateAnswer === true;
      },
      get followUps() {
        return record.followUpIds.flatMap((id) => {
          const m = world.messages.get(id);
          return m ? [structuredClone(m)] : [];
        });
      },
      original,
      response: (timeoutMs = DEFAULT_WAIT_MS) =>
        waitUntil(
          world,
          () => {
            if (record.callback) return structuredClone(record.callback);
            if (record.lateAnswer) throw lateError(record);
            return undefined;
          },
          timeoutMs,
          `the first answer to interaction ${record.id}`,
        ),
      waitForOriginal: (
        predicate = (m) => ((m.flags ?? 0) & MessageFlags.Loading) === 0,
        timeoutMs = DEFAULT_WAIT_MS,
      ) =>
        waitUntil(
          world,
          () => {
            if (record.lateAnswer && !record.callback) throw lateError(record);
            const m = original();
            return m && predicate(m) ? m : undefined;
          },
          timeoutMs,
          `the original response of interaction ${record.id} to match`,
        ),
    };
  }
}

function lateError(record: InteractionRecord): Error {
  return new Error(
    `discord-fake: the bot answered interaction ${record.id} after Discord's 3 s deadline (it got 10062 Unknown interaction)`,
  );
}

function submitted(
  component: Record<string, unknown>,
  given: Map<string, string | string[]>,
): Record<string, unknown> {
  const id = String(component.custom_id);
  const value = given.get(id);
  given.delete(id);
  if (component.type === TEXT_INPUT) {
    const text = typeof value === 'string' ? value : '';
    if (component.required !== false && text === '')
      throw new Error(`submitModal: field '${id}' is required`);
    if (typeof component.max_length === 'number' && text.length > component.max_length)
      throw new Error(`submitModal: field '${id}' is longer than ${component.max_length}`);
    if (typeof component.min_length === 'number' && text.length > 0 && text.length < component.min_length)
      throw new Error(`submitModal: field '${id}' is shorter than ${component.min_length}`);
    return {
      type: TEXT_INPUT,
      custom_id: id,
      value: text,
      ...(component.id !== undefined ? { id: component.id } : {}),
    };
  }
  const values = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return {
    type: component.type,
    custom_id: id,
    values,
    ...(component.id !== undefined ? { id: component.id } : {}),
  };
}

function findComponent(
  components: readonly unknown[],
  customId: string,
): Record<string, unknown> | undefined {
  for (const c of components) {
    if (!isRecord(c)) continue;
    if (c.custom_id === customId) return c;
    const nested = [
      ...(Array.isArray(c.components) ? c.components : []),
      ...(isRecord(c.accessory) ? [c.accessory] : []),
    ];
    const found = findComponent(nested, customId);
    if (found) return found;
  }
  return undefined;
}

const SUB = ApplicationCommandOptionType.Subcommand;
const GROUP = ApplicationCommandOptionType.SubcommandGroup;

function inferType(input: CommandOptionInput): ApplicationCommandOptionType {
  if (input.options) return input.options.some((o) => o.options) ? GROUP : SUB;
  if (typeof input.value === 'boolean') return ApplicationCommandOptionType.Boolean;
  if (typeof input.value === 'number')
    return Number.isInteger(input.value)
      ? ApplicationCommandOptionType.Integer
      : ApplicationCommandOptionType.Number;
  if (input.value === undefined) return SUB;
  return ApplicationCommandOptionType.String;
}

function normalizeOptions(
  inputs: CommandOptionInput[],
  defs: readonly APIApplicationCommandOption[] | undefined,
  strict: boolean,
  autocomplete: boolean,
  where: string,
): APIApplicationCommandInteractionDataOption[] {
  const out: APIApplicationCommandInteractionDataOption[] = [];
  for (const input of inputs) {
    const def = defs?.find((d) => d.name === input.name);
    if (strict && !def) throw new ClientRefusal(`${where} has no option '${input.name}'`);
    const type = input.type ?? def?.type ?? inferType(input);
    if (type === SUB || type === GROUP) {
      const nested =
        def && 'options' in def ? (def.options as APIApplicationCommandOption[] | undefined) : undefined;
      out.push({
        name: input.name,
        type,
        options: normalizeOptions(
          input.options ?? [],
          nested ?? (strict ? [] : undefined),
          strict,
          autocomplete,
          `${where} ${input.name}`,
        ),
      } as APIApplicationCommandInteractionDataOption);
      continue;
    }
    if (input.value === undefined) throw new ClientRefusal(`${where}: option '${input.name}' needs a value`);
    if (strict && def) checkOptionValue(def, input.value, where, autocomplete);
    out.push({
      name: input.name,
      type,
      value: input.value,
      ...(input.focused ? { focused: true } : {}),
    } as APIApplicationCommandInteractionDataOption);
  }
  if (strict && defs && !autocomplete) {
    const hasSub = defs.some((d) => d.type === SUB || d.type === GROUP);
    if (hasSub && out.length === 0) throw new ClientRefusal(`${where} needs a subcommand`);
    for (const d of defs)
      if ('required' in d && d.required && !out.some((o) => o.name === d.name))
        throw new ClientRefusal(`${where}: required option '${d.name}' is missing`);
  }
  return out;
}
