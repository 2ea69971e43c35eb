// startFakeDiscord: one loopback port serving Discord's REST API v10 under /api and its gateway (ws), plus the
// in-process API tests and the demo use to "type" into Discord and read what users would see.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIApplicationCommand, APIMessage, APIUser } from 'discord-api-types/v10';
import { createClock, type FakeClock } from './clock.js';
import { CONTROL_PREFIX, createControlHandler, type FakeControlOptions } from './control/server.js';
import { GatewayServer, type GatewayStats } from './gateway/server.js';
import { type HoldRule, type ResponseHold, ResponseHolds } from './holds.js';
import {
  type AutocompleteHandle,
  type ClickButtonInput,
  InteractionDispatcher,
  type InteractionHandle,
  type InvokeCommandInput,
  type SelectMenuInput,
  type SubmitModalInput,
} from './interactions/invoke.js';
import { InteractionStore } from './interactions/store.js';
import { RateLimiter, type RateLimitRule } from './rate-limits.js';
import { APPLICATION_FLAGS } from './rest/routes/identity.js';
import { createRestHandler } from './rest/server.js';
import type { DiscordViolation, FakeContext, RequestLogEntry } from './rest/types.js';
import { SnowflakeGenerator } from './snowflake.js';
import { locateSpec } from './spec/locate.js';
import { specValidator } from './spec/validator.js';
import { waitUntil } from './waiting.js';
import { type FakeGuildSpec, World } from './world.js';

export interface FakeDiscordOptions {
  botToken: string;
  /** Also the bot user's id (as for applications created today). Generated when omitted. */
  applicationId?: string;
  botUsername?: string;
  guilds: FakeGuildSpec[];
  /** The base clock (default Date.now); `clock.advance(ms)` moves the fake's time on top of it. */
  now?: () => number;
  /** Port to listen on (default: any free port on 127.0.0.1). */
  port?: number;
  host?: string;
  /** Discord's OpenAPI description (default: ../shared/reference/discord/openapi.json, else the vendored copy). */
  specPath?: string;
  /** HELLO's heartbeat_interval (Discord: 41250 ms). */
  heartbeatIntervalMs?: number;
  /** Privileged intents switched on in the developer portal (default none: IDENTIFY asking for them gets 4014). */
  privilegedIntents?: number;
  /** Also serve the control surface (`/_fake/say`, `/_fake/click`, `/_fake/messages`…) for other processes. */
  control?: boolean | FakeControlOptions;
}

export interface FakeDiscord {
  /** For discord.js: `new Client({ rest: { api: fake.restUrl } })`. */
  readonly restUrl: string;
  readonly gatewayUrl: string;
  readonly applicationId: string;
  readonly botUser: APIUser;
  /** `http://127.0.0.1:PORT/_fake` when started with `control` (see src/control). */
  readonly controlUrl?: string;
  readonly clock: FakeClock;
  /** Every REST request, in order. */
  readonly requests: RequestLogEntry[];
  /** Every body the fake refused with 50035 (Discord's limits or the OpenAPI schema). */
  readonly validationErrors: DiscordViolation[];
  readonly gatewayStats: GatewayStats;
  /** Commands registered in a guild (or globally when no guild is given). */
  registeredCommands(guildId?: string): APIApplicationCommand[];
  invokeCommand(input: InvokeCommandInput): InteractionHandle;
  invokeAutocomplete(input: InvokeCommandInput): AutocompleteHandle;
  clickButton(input: ClickButtonInput): InteractionHandle;
  selectMenu(input: SelectMenuInput): InteractionHandle;
  submitModal(input: SubmitModalInput): InteractionHandle;
  /** Messages in a channel, oldest first, as everyone sees them (ephemeral ones left out unless asked). */
  channelMessages(channelId: string, options?: { includeEphemeral?: boolean }): APIMessage[];
  /** Messages the bot sent the user by DM, oldest first. */
  dmMessages(userId: string): APIMessage[];
  message(id: string): APIMessage | undefined;
  /** Resolves with `predicate`'s first truthy result, re-checked on every change. */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  rateLimit(rule: RateLimitRule): void;
  /**
   * Holds back the answers to matching requests: each takes effect at once (the message exists), but its client
   * hears nothing until `release()` — the window in which a crashing bot does not know what Discord did.
   */
  holdResponses(rule: HoldRule): ResponseHold;
  /** Denies the bot Send Messages in the channel (a CHANNEL_UPDATE tells the bot); sends get 403 50013. */
  makeChannelUnwritable(channelId: string): void;
  makeChannelWritable(channelId: string): void;
  /** The user no longer accepts DMs from the bot: sends get 403 50007. */
  closeDms(userId: string): void;
  openDms(userId: string): void;
  /** Drops the gateway connection(s) resumably; dispatches until the bot is back are replayed on RESUME. */
  disconnectGateway(options?: { code?: number; holdMs?: number }): Promise<void>;
  /** Number of open, identified gateway connections. */
  readonly gatewayConnections: number;
  /** Resolves once a bot has identified (or resumed) and holds an open connection. */
  waitForBot(timeoutMs?: number): Promise<void>;
  clearValidationErrors(): void;
  close(): Promise<void>;
}

export async function startFakeDiscord(options: FakeDiscordOptions): Promise<FakeDiscord> {
  const clock = createClock(options.now);
  const ids = new SnowflakeGenerator(clock);
  const applicationId = options.applicationId ?? ids.next();
  const world = new World(
    clock,
    ids,
    {
      id: applicationId,
      username: options.botUsername ?? 'GuildServer',
      globalName: null,
      bot: true,
      dmsClosed: false,
    },
    applicationId,
  );
  for (const guild of options.guilds) world.addGuild(guild);

  const host = options.host ?? '127.0.0.1';
  let port = 0;
  const base = () => `http://${host}:${port}`;
  const gatewayUrl = () => `ws://${host}:${port}/gateway`;
  const gateway = new GatewayServer({
    world,
    botToken: options.botToken,
    applicationFlags: APPLICATION_FLAGS,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    privilegedIntents: options.privilegedIntents ?? 0,
    url: gatewayUrl,
  });
  const interactions = new InteractionStore(clock);
  const ctx: FakeContext = {
    world,
    clock,
    interactions,
    validator: specValidator(locateSpec(options.specPath)),
    gateway,
    rateLimits: new RateLimiter(),
    holds: new ResponseHolds(() => world.changed()),
    botToken: options.botToken,
    applicationId,
    restBase: () => `${base()}/api`,
    gatewayUrl,
    violations: [],
    requests: [],
  };
  const dispatcher = new InteractionDispatcher(world, interactions, gateway);
  const handler = createRestHandler(ctx);
  let control: ReturnType<typeof createControlHandler> | undefined;
  const server = createServer((req, res) => {
    if (control && req.url?.startsWith(CONTROL_PREFIX)) void control(req, res);
    else void handler(req, res);
  });
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  const channelOrThrow = (channelId: string) => {
    const channel = world.channels.get(channelId);
    if (!channel?.guildId) throw new Error(`channel ${channelId} is not a guild channel of the fake`);
    return channel;
  };
  const setSendDenied = (channelId: string, denied: boolean) => {
    const channel = channelOrThrow(channelId);
    const others = channel.overwrites.filter((o) => o.id !== applicationId);
    const sendMessages = 1n << 11n;
    channel.overwrites = denied
      ? [...others, { id: applicationId, type: 1, allow: '0', deny: sendMessages.toString() }]
      : others;
    gateway.dispatch('CHANNEL_UPDATE', world.apiChannel(channel));
    world.changed();
  };
  const userOrThrow = (userId: string) => {
    const user = world.users.get(userId);
    if (!user) throw new Error(`user ${userId} is not known to the fake`);
    return user;
  };

  const fake: FakeDiscord = {
    restUrl: `${base()}/api`,
    ...(options.control ? { controlUrl: `${base()}${CONTROL_PREFIX}` } : {}),
    gatewayUrl: gatewayUrl(),
    applicationId,
    botUser: world.apiUser(applicationId),
    clock,
    requests: ctx.requests,
    validationErrors: ctx.violations,
    gatewayStats: gateway.stats,
    registeredCommands: (guildId) => structuredClone(world.commands.get(guildId ?? 'global') ?? []),
    invokeCommand: (input) => dispatcher.invokeCommand(input),
    invokeAutocomplete: (input) => dispatcher.invokeAutocomplete(input),
    clickButton: (input) => dispatcher.clickButton(input),
    selectMenu: (input) => dispatcher.selectMenu(input),
    submitModal: (input) => dispatcher.submitModal(input),
    channelMessages: (channelId, o) => world.channelMessages(channelId, o?.includeEphemeral ?? false),
    dmMessages: (userId) => {
      const id = world.dmChannelByUser.get(userId);
      return id ? world.channelMessages(id) : [];
    },
    message: (id) => {
      const m = world.messages.get(id);
      return m ? structuredClone(m) : undefined;
    },
    waitFor: (predicate, timeoutMs = 10_000) => waitUntil(world, predicate, timeoutMs, 'a condition'),
    rateLimit: (rule) => ctx.rateLimits.add(rule),
    holdResponses: (rule) => ctx.holds.add(rule),
    makeChannelUnwritable: (channelId) => setSendDenied(channelId, true),
    makeChannelWritable: (channelId) => setSendDenied(channelId, false),
    closeDms: (userId) => {
      userOrThrow(userId).dmsClosed = true;
    },
    openDms: (userId) => {
      userOrThrow(userId).dmsClosed = false;
    },
    disconnectGateway: (o) => gateway.disconnectAll(o),
    get gatewayConnections() {
      return gateway.connected;
    },
    waitForBot: (timeoutMs = 15_000) =>
      waitUntil(world, () => gateway.connected > 0, timeoutMs, 'a bot on the gateway').then(() => undefined),
    clearValidationErrors: () => {
      ctx.violations.length = 0;
    },
    close: async () => {
      ctx.holds.releaseAll();
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  if (options.control)
    control = createControlHandler(fake, world, options.control === true ? {} : options.control);
  return fake;
}

/** A bot token shaped like Discord's (three dot-separated parts). */
export function fakeBotToken(applicationId = '1234567890123456789'): string {
  return `${Buffer.from(applicationId).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(20).toString('base64url')}`;
}
