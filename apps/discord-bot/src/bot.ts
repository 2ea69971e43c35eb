// The bot, assembled: a discord.js gateway client (intent Guilds only), the router, the notifier, the
// durable state. `main.ts` runs it; tests start and stop it in-process against the fake Discord.
import { type ApiClient, createApiClient } from '@guildserver/api-client';
import { Client, Events, GatewayIntentBits, Routes } from 'discord.js';
import type { Logger } from 'pino';
import { BackupLookup, GameCatalog, ScheduleLookup, ServerLookup } from './api/caches.js';
import { GuildSettingsLookup } from './api/guild-settings.js';
import { COMMANDS } from './command-definitions/server.js';
import type { BotConfig } from './config.js';
import type { BotServices } from './core/services.js';
import { createRouter } from './interactions/router.js';
import { Metrics } from './metrics.js';
import { type MetricsServer, startMetricsServer } from './metrics-server.js';
import { Notifier } from './notices/notifier.js';
import { BotState } from './state/bot-state.js';

export interface BotOptions {
  logger: Logger;
  /** Replaces global fetch for API calls (tests, benchmarks). */
  fetch?: typeof fetch;
  now?: () => number;
  /** How often the metrics line is logged (default 5 minutes; 0: only at stop). */
  metricsIntervalMs?: number;
}

export interface RunningBot {
  client: Client;
  api: ApiClient;
  metrics: Metrics;
  /** GET /metrics and /healthz, when BOT_METRICS_PORT is set. */
  metricsServer: MetricsServer | undefined;
  notices: Notifier;
  state: BotState;
  applicationId: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

/** Bulk-overwrites the command set: in one guild when given (instant), else globally. */
export async function deployCommands(
  client: Client,
  applicationId: string,
  guildId: string | undefined,
): Promise<void> {
  const route = guildId
    ? Routes.applicationGuildCommands(applicationId, guildId)
    : Routes.applicationCommands(applicationId);
  await client.rest.put(route, { body: COMMANDS });
}

export async function startBot(config: BotConfig, options: BotOptions): Promise<RunningBot> {
  const { logger } = options;
  const now = options.now ?? Date.now;
  const state = BotState.load(config.statePath);
  const api = createApiClient({ baseUrl: config.apiUrl, token: config.apiToken, fetch: options.fetch });
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: config.discordApiUrl } });
  const catalog = new GameCatalog(api, now);
  const settings = new GuildSettingsLookup(api, now);
  const notices = new Notifier({
    api,
    rest: client.rest,
    state,
    logger,
    hostExternal: config.hostExternal,
    games: () => catalog.forDisplay(),
    settings,
    now,
  });
  const metrics = new Metrics(() => notices.delivered, {
    defaultMetrics: config.metricsListen !== undefined,
  });
  let applicationId = config.applicationId ?? '';
  const services: BotServices = {
    config,
    logger,
    api,
    catalog,
    servers: new ServerLookup(api),
    backups: new BackupLookup(api),
    schedules: new ScheduleLookup(api),
    settings,
    notices,
    applicationId: () => applicationId,
    now,
  };
  const route = createRouter(services, metrics);
  client.on(Events.InteractionCreate, (interaction) => void route(interaction));
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.ShardDisconnect, () => logger.warn('gateway disconnected'));
  client.on(Events.ShardResume, () => logger.info('gateway resumed'));

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('Discord did not say READY within 60 s.')),
      READY_TIMEOUT_MS,
    );
    client.once(Events.ClientReady, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  try {
    await client.login(config.discordToken);
    await ready;
  } catch (error) {
    await client.destroy();
    throw error;
  }
  applicationId = config.applicationId ?? client.application?.id ?? '';
  if (!applicationId) {
    await client.destroy();
    throw new Error('Discord did not say the application id; set DISCORD_APPLICATION_ID.');
  }
  logger.info(
    { user: client.user?.tag, applicationId, guilds: client.guilds.cache.size },
    'connected to Discord',
  );

  if (config.deployCommands) {
    await deployCommands(client, applicationId, config.guildId);
    logger.info({ guildId: config.guildId ?? 'global', commands: COMMANDS.length }, 'commands registered');
  }
  // The catalog is warmed so the first autocomplete has something to fall back on.
  services.catalog
    .list()
    .catch((error) => logger.warn({ err: error }, 'could not read the game catalog yet'));
  await notices.start();
  const metricsServer = config.metricsListen
    ? await startMetricsServer(metrics.registry, () => client.isReady(), config.metricsListen)
    : undefined;
  if (metricsServer) logger.info({ url: `${metricsServer.url}/metrics` }, 'serving metrics');

  const interval = options.metricsIntervalMs ?? 5 * 60_000;
  const timer = interval > 0 ? setInterval(() => void metrics.log(logger), interval) : undefined;
  timer?.unref();

  let stopped: Promise<void> | undefined;
  return {
    client,
    api,
    metrics,
    metricsServer,
    notices,
    state,
    applicationId,
    stop() {
      stopped ??= (async () => {
        if (timer) clearInterval(timer);
        client.removeAllListeners(Events.InteractionCreate);
        await notices.stop();
        await client.destroy();
        await metricsServer?.close();
        await metrics.log(logger);
        logger.info(notices.delivered, 'bot stopped');
      })();
      return stopped;
    },
  };
}
