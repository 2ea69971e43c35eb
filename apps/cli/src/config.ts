// The CLI's only reader of process.env: parsed once, at start.
import {
  ConfigError,
  httpUrl,
  loadProxmoxConfig,
  matching,
  nonEmpty,
  optional,
  type ProxmoxConfig,
  readEnv,
  redisUrl,
  word,
} from '@guildserver/config';

export interface CliEnvironment {
  /** Proxmox settings for `demo` against a real cluster; absent when not asked for. */
  proxmox?: ProxmoxConfig;
  logLevel: string;
  /** API_URL, when set: where `gs` finds the API (else the local stack's state file says). */
  apiUrl?: string;
  /** API_TOKEN, when set: the bearer token `gs` sends. Never printed. */
  apiToken?: string;
  /**
   * GS_STATE_FILE: the state file `up` writes and `gs` reads when API_URL/API_TOKEN are unset. Unset: `gs`
   * reads ./data/stack.json and `up` writes stack.json in its data folder.
   */
  stateFile?: string;
  /** REDIS_URL, when set: `up` hands it to the API instead of letting it start its own redis-server. */
  redisUrl?: string;
  /** GS_GUILD_ID, GS_OWNER_ID, GS_CHANNEL_ID: where `gs create` puts a server when its flags do not say. */
  createDefaults: { guildId?: string; ownerId?: string; channelId?: string };
  /** Colours on a terminal, unless NO_COLOR is set or TERM is dumb. */
  color: boolean;
  /** The environment `up` passes on to the processes it starts (they read their own variables). */
  inherited: Readonly<Record<string, string | undefined>>;
}

const SNOWFLAKE = /^\d{17,20}$/;

const SPEC = {
  API_URL: optional('an http:// or https:// URL such as http://127.0.0.1:8080', httpUrl),
  API_TOKEN: optional('an API token such as gs_… (from `gs token create` or data/stack.json)', word, {
    secret: true,
  }),
  GS_STATE_FILE: optional('the path of the state file `bash scripts/start.sh` writes', nonEmpty),
  REDIS_URL: optional('a redis:// or rediss:// URL', redisUrl),
  GS_GUILD_ID: optional('a Discord guild id (17 to 20 digits)', matching(SNOWFLAKE)),
  GS_OWNER_ID: optional('a Discord user id (17 to 20 digits)', matching(SNOWFLAKE)),
  GS_CHANNEL_ID: optional('a Discord channel id (17 to 20 digits)', matching(SNOWFLAKE)),
};

export const DEFAULT_STATE_FILE = './data/stack.json';

export function readCliEnvironment(env: NodeJS.ProcessEnv, needProxmox = false): CliEnvironment {
  const logLevel = env.LOG_LEVEL?.trim() || 'warn';
  const v = readEnv(env, SPEC);
  const base: CliEnvironment = {
    logLevel,
    apiUrl: v.API_URL?.replace(/\/+$/, ''),
    apiToken: v.API_TOKEN,
    stateFile: v.GS_STATE_FILE,
    redisUrl: v.REDIS_URL,
    createDefaults: { guildId: v.GS_GUILD_ID, ownerId: v.GS_OWNER_ID, channelId: v.GS_CHANNEL_ID },
    color: !env.NO_COLOR && env.TERM !== 'dumb',
    inherited: { ...env },
  };
  if (!needProxmox) return base;
  return { ...base, proxmox: loadProxmoxConfig(env) };
}

export { ConfigError };
