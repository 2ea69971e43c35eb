// The edge daemon's only reader of the environment: parsed once at start into a typed object, each wrong
// variable one sentence naming it and what to set.
import { hostname } from 'node:os';
import {
  ConfigError,
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
import {
  EDGE_MODES,
  EDGE_SNAT_SETTINGS,
  type EdgeMode,
  type EdgeSnat,
  edgeReportSchema,
} from '@guildserver/contracts';
import { z } from 'zod';

export interface EdgeConfig {
  apiUrl: string;
  /** A token with the edge scope. Never logged. */
  token: string;
  /** `nft` applies the table; `dry` computes, reports and shows it, never touching nftables. */
  mode: EdgeMode;
  snat: EdgeSnat;
  /** How this edge reports itself (PUT /v1/edge/status). */
  name: string;
  /** Re-read the table at least this often, even when no generation arrives. */
  resyncSeconds: number;
  /** Where /metrics is served; undefined: not at all (EDGE_METRICS_PORT=0). */
  metrics?: { host: string; port: number };
  /** Apply inside this network namespace (`ip netns exec`): the lab and the tests. */
  netns?: string;
  /** Where sleeping servers' ports are held (answered in userspace): 0.0.0.0, or 127.0.0.1 for the local stack. */
  asleepAddress: string;
  logLevel: string;
}

const SPEC = {
  API_URL: required('the URL of the GuildServer API, such as http://10.0.0.2:8080', httpUrl),
  EDGE_API_TOKEN: required(
    'a token with the edge scope (make one with `gs token create --name edge --scope edge`)',
    word,
    { secret: true },
  ),
  EDGE_MODE: withDefault(
    `${EDGE_MODES.join(' or ')} (dry computes and reports the table but never touches nftables)`,
    z.enum(EDGE_MODES),
    'nft' as EdgeMode,
  ),
  EDGE_SNAT: withDefault(
    `${EDGE_SNAT_SETTINGS.join(', ')} (auto: source NAT for the VMs whose replies would not come back through the edge)`,
    z.enum(EDGE_SNAT_SETTINGS),
    'auto' as EdgeSnat,
  ),
  EDGE_NAME: optional(
    '1 to 64 letters, digits, dots, dashes and underscores, starting with a letter or digit',
    edgeReportSchema.shape.name,
  ),
  EDGE_RESYNC_SECONDS: withDefault(
    'a whole number of seconds from 1 to 60 (the API counts an edge silent for 90 s as stale)',
    integer(1, 60),
    30,
  ),
  EDGE_METRICS_HOST: withDefault(
    'an address to listen on, such as 127.0.0.1 or 0.0.0.0',
    hostName,
    '127.0.0.1',
  ),
  EDGE_METRICS_PORT: withDefault('a TCP port from 1 to 65535, or 0 for no metrics', integer(0, 65_535), 9466),
  EDGE_NETNS: optional(
    'the name of a network namespace (ip netns list)',
    matching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/),
  ),
  EDGE_ASLEEP_ADDRESS: withDefault(
    "an IPv4 address of this host to hold sleeping servers' ports on, such as 0.0.0.0 (every address) or 127.0.0.1",
    z.ipv4(),
    '0.0.0.0',
  ),
  LOG_LEVEL: withDefault(
    'one of fatal, error, warn, info, debug, trace',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
    'info',
  ),
};

export function loadEdgeConfig(env: Env, host: () => string = hostname): EdgeConfig {
  const v = readEnv(env, SPEC);
  let name = v.EDGE_NAME;
  if (name === undefined) {
    const own = host();
    const parsed = edgeReportSchema.shape.name.safeParse(own);
    if (!parsed.success) {
      throw new ConfigError(
        `EDGE_NAME is unset and this host's name ${JSON.stringify(own)} cannot name an edge: set EDGE_NAME to 1 to 64 letters, digits, dots, dashes and underscores.`,
        ['EDGE_NAME'],
      );
    }
    name = parsed.data;
  }
  return {
    apiUrl: v.API_URL.replace(/\/+$/, ''),
    token: v.EDGE_API_TOKEN,
    mode: v.EDGE_MODE,
    snat: v.EDGE_SNAT,
    name,
    resyncSeconds: v.EDGE_RESYNC_SECONDS,
    ...(v.EDGE_METRICS_PORT === 0
      ? {}
      : { metrics: { host: v.EDGE_METRICS_HOST, port: v.EDGE_METRICS_PORT } }),
    ...(v.EDGE_NETNS ? { netns: v.EDGE_NETNS } : {}),
    asleepAddress: v.EDGE_ASLEEP_ADDRESS,
    logLevel: v.LOG_LEVEL,
  };
}

export { ConfigError };
