// The edge daemon with its real parts: the API client, nft (inside EDGE_NETNS when set), `ip route get`,
// /proc/net, /metrics, and the holder of sleeping servers' ports. Used by main.ts (the daemon's own entry
// point) and `gs edge up`.

import { createApiClient } from '@guildserver/api-client';
import pino, { type Logger } from 'pino';
import { type AsleepHolder, createAsleepHolder, type JoinAttempt } from './asleep/holder.js';
import { notHeldInNetns } from './asleep/not-held.js';
import type { EdgeConfig } from './config.js';
import { forgetFlows } from './conntrack.js';
import { createEdgeDaemon, type EdgeDaemon, type EdgeLog, type EdgeSystem } from './daemon.js';
import { resolveHost } from './host-external.js';
import { localListeners } from './listeners.js';
import { createEdgeMetrics, type MetricsServer, serveMetrics } from './metrics.js';
import { applyRuleset, type NftTarget, readCounters } from './nft.js';
import { lookupRoutes } from './snat.js';

/** JSON lines on stdout; the token is never among them. */
export function createEdgeLogger(level: string): Logger {
  return pino({
    name: 'edge',
    level,
    redact: { paths: ['token', '*.token', 'authorization', '*.authorization'], censor: '[redacted]' },
  });
}

export function hostSystem(config: Pick<EdgeConfig, 'netns'>): EdgeSystem {
  const target: NftTarget = config.netns ? { netns: config.netns } : {};
  return {
    apply: (text) => applyRuleset(text, target),
    readCounters: () => readCounters(target),
    routes: (addresses) => lookupRoutes(addresses, config.netns),
    listeners: () => localListeners(config.netns),
    forgetFlows: (closed) => forgetFlows(closed, target),
    resolveHost,
  };
}

/** Holds sleeping servers' ports on EDGE_ASLEEP_ADDRESS; not with EDGE_NETNS (sockets would be outside it). */
export function hostAsleep(
  config: Pick<EdgeConfig, 'netns' | 'asleepAddress'>,
  log: EdgeLog,
): (onJoin: (attempt: JoinAttempt) => void) => AsleepHolder {
  const netns = config.netns;
  if (netns) return () => notHeldInNetns(netns, log);
  return (onJoin) => createAsleepHolder({ bindAddress: config.asleepAddress, onJoin, log });
}

/**
 * Runs the daemon until `signal` aborts (resolves, leaving the table in force so forwarding survives a restart)
 * or a token the API refuses (rejects with EdgeFatalError's sentence).
 */
export async function runEdge(config: EdgeConfig, logger: Logger, signal: AbortSignal): Promise<void> {
  const api = createApiClient({
    baseUrl: config.apiUrl,
    token: config.token,
    timeoutMs: 15_000,
    unreachableAdvice: 'check that the API runs and that API_URL is where the edge reaches it',
  });
  let daemon: EdgeDaemon | undefined;
  const metrics = config.metrics
    ? createEdgeMetrics(() => daemon?.portTotals() ?? Promise.resolve([]))
    : undefined;
  daemon = createEdgeDaemon({
    name: config.name,
    mode: config.mode,
    snat: config.snat,
    apiUrl: config.apiUrl,
    resyncMs: config.resyncSeconds * 1000,
    api,
    system: hostSystem(config),
    asleep: hostAsleep(config, logger),
    log: logger,
    ...(metrics ? { metrics } : {}),
  });
  let server: MetricsServer | undefined;
  if (metrics && config.metrics) server = await serveMetrics(metrics, config.metrics);
  logger.info(
    {
      edge: config.name,
      mode: config.mode,
      snat: config.snat,
      api: config.apiUrl,
      netns: config.netns,
      asleepAddress: config.asleepAddress,
      metrics: server?.url,
      resyncSeconds: config.resyncSeconds,
    },
    `The edge ${config.name} follows the API at ${config.apiUrl} (${config.mode === 'dry' ? 'dry run: nftables is left alone' : 'applying with nft'}, source NAT ${config.snat}).`,
  );
  try {
    await daemon.run(signal);
  } finally {
    await server?.close();
  }
}
