#!/usr/bin/env node
// The edge daemon: `node --import tsx apps/edge/src/main.ts` (or `gs edge up`) with API_URL and
// EDGE_API_TOKEN. SIGTERM or SIGINT stops it and leaves the table in force: forwarding survives a restart of
// the daemon (and a kill -9 leaves everything as it was).
import { ConfigError, loadEdgeConfig } from './config.js';
import { createEdgeLogger, runEdge } from './run.js';

function fail(sentence: string): never {
  process.stderr.write(`guildserver-edge: ${sentence}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadEdgeConfig>;
  try {
    config = loadEdgeConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const logger = createEdgeLogger(config.logLevel);
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'Stopping; the table in force stays, so forwarding goes on.');
      stop.abort();
    });
  }
  try {
    await runEdge(config, logger, stop.signal);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  process.exit(0);
}

void main();
