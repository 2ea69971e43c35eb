// The bot's only reader of the environment: parsed once at start into a typed object. A missing or
// malformed variable stops start-up with one sentence naming it (and never echoes a secret).
import {
  booleanLiteral,
  type Env,
  hostName,
  httpUrl,
  integer,
  matching,
  optional,
  readEnv,
  required,
  withDefault,
  word,
} from '@guildserver/config';
import { z } from 'zod';

export interface BotConfig {
  discordToken: string;
  /** Undefined: read from the gateway's READY (client.application.id). */
  applicationId?: string;
  /** discord.js `rest.api`, e.g. https://discord.com/api; tests point it at the fake. */
  discordApiUrl: string;
  apiUrl: string;
  apiToken: string;
  deployCommands: boolean;
  /** Register commands to this guild (instant, for development) instead of globally. */
  guildId?: string;
  /** Members with this role are admins, as are members with Manage Server. */
  adminRoleId?: string;
  /** What gamers connect to; the API's `address` already carries it, this is the fallback. */
  hostExternal: string;
  /** The durable notice state: cursor of the event stream and the interactions being followed. */
  statePath: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Where GET /metrics and /healthz are served; absent: not served. */
  metricsListen: { host: string; port: number } | undefined;
}

const snowflake = matching(/^\d{17,20}$/);

const SPEC = {
  DISCORD_TOKEN: required('the bot token from the Discord developer portal', word, { secret: true }),
  DISCORD_APPLICATION_ID: optional('the application id (17 to 20 digits)', snowflake),
  DISCORD_API_URL: withDefault(
    "Discord's REST base URL, such as https://discord.com/api",
    httpUrl,
    'https://discord.com/api',
  ),
  API_URL: required('the GuildServer API URL, such as http://127.0.0.1:8080', httpUrl),
  API_TOKEN: required('a GuildServer API token with the bot scope (gs_...)', word, { secret: true }),
  DEPLOY_COMMANDS: withDefault('true or false', booleanLiteral, false),
  DISCORD_GUILD_ID: optional('a guild id (17 to 20 digits)', snowflake),
  DISCORD_ADMIN_ROLE_ID: optional('a role id (17 to 20 digits)', snowflake),
  HOST_EXTERNAL: withDefault(
    'the host name gamers connect to, such as play.example.net',
    hostName,
    'localhost',
  ),
  BOT_STATE_PATH: withDefault('the path of the bot state file', z.string().min(1), './data/discord-bot.json'),
  BOT_METRICS_PORT: optional('a TCP port from 0 to 65535 for GET /metrics and /healthz', integer(0, 65_535)),
  BOT_METRICS_HOST: withDefault(
    'the address /metrics listens on, such as 127.0.0.1 or 0.0.0.0',
    word,
    '127.0.0.1',
  ),
  LOG_LEVEL: withDefault(
    'one of fatal, error, warn, info, debug, trace, silent',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    'info' as const,
  ),
};

export function loadBotConfig(env: Env): BotConfig {
  const v = readEnv(env, SPEC);
  return {
    discordToken: v.DISCORD_TOKEN,
    applicationId: v.DISCORD_APPLICATION_ID,
    discordApiUrl: v.DISCORD_API_URL.replace(/\/+$/, ''),
    apiUrl: v.API_URL.replace(/\/+$/, ''),
    apiToken: v.API_TOKEN,
    deployCommands: v.DEPLOY_COMMANDS,
    guildId: v.DISCORD_GUILD_ID,
    adminRoleId: v.DISCORD_ADMIN_ROLE_ID,
    hostExternal: v.HOST_EXTERNAL,
    statePath: v.BOT_STATE_PATH,
    logLevel: v.LOG_LEVEL,
    metricsListen:
      v.BOT_METRICS_PORT === undefined ? undefined : { host: v.BOT_METRICS_HOST, port: v.BOT_METRICS_PORT },
  };
}
