#!/usr/bin/env node
import { ConfigError } from '@guildserver/config';
import { TOKEN_SCOPES, type TokenScope } from '@guildserver/contracts';
// Entry points: `api` (HTTP), `worker` (jobs), `all` (both in one process), `token` (bootstrap API tokens).
import { serve } from '@hono/node-server';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { loadApiConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { createApiToken, listApiTokens, revokeApiToken } from './domain/tokens.js';
import { removeOldImages } from './images/image-retirement.js';
import { startReconciler } from './reconciler/start-reconciler.js';
import { buildApi } from './runtime/build-api.js';
import { createLogger } from './runtime/logger.js';
import { openServices } from './runtime/services.js';
import { startWebhookDispatcher } from './webhooks/dispatcher.js';
import { startWorker } from './worker/start-worker.js';

function fail(sentence: string): never {
  process.stderr.write(`guildserver-api: ${sentence}\n`);
  process.exit(1);
}

async function run(roles: { api: boolean; worker: boolean }): Promise<void> {
  const config = loadApiConfig(process.env);
  const logger = createLogger(
    config.logLevel,
    roles.api && roles.worker ? 'guildserver' : roles.api ? 'api' : 'worker',
  );
  const services = await openServices(config, logger);
  const stops: (() => Promise<void>)[] = [];
  if (roles.worker) {
    const worker = await startWorker(services);
    stops.push(() => worker.close());
  }
  if (roles.api) {
    const api = buildApi(services);
    const server = serve({ fetch: api.app.fetch, hostname: config.host, port: config.port });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(
                `port ${config.port} on ${config.host} is already in use: set API_PORT to a free port.`,
              )
            : error,
        ),
      );
    });
    logger.info({ url: `http://${config.host}:${config.port}` }, 'API listening');
    // One dispatcher and one reconciler per stack: they follow SQLite, so they see what every worker writes.
    const hooks = startWebhookDispatcher(services);
    const reconciler = startReconciler({
      ...services,
      removeOldImages: () =>
        removeOldImages({ ...services, logger: services.logger.child({ component: 'images' }) }),
    });
    stops.unshift(async () => {
      // Ending the event streams first lets the HTTP server close without waiting for their clients.
      await api.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await hooks.close();
      await reconciler.close();
    });
  }
  const shutdown = async () => {
    for (const stop of stops) await stop();
    await services.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

const scopeList = (value: string): TokenScope[] => {
  const scopes = value.split(',').map((s) => s.trim());
  const wrong = scopes.filter((s) => !(TOKEN_SCOPES as readonly string[]).includes(s));
  if (wrong.length > 0)
    throw new InvalidArgumentError(`use one or more of ${TOKEN_SCOPES.join(', ')}, comma-separated.`);
  return scopes as TokenScope[];
};

const program = new Command('guildserver-api').exitOverride().configureOutput({ writeErr: () => {} });
program
  .command('api')
  .description('serve the HTTP API')
  .action(() => run({ api: true, worker: false }));
program
  .command('worker')
  .description('run provisioning jobs from the queue')
  .action(() => run({ api: false, worker: true }));
program
  .command('all')
  .description('the API and a worker in one process')
  .action(() => run({ api: true, worker: true }));

const token = program.command('token').description('API tokens (stored hashed; shown once at creation)');
token
  .command('create')
  .requiredOption('--name <name>', 'what the token is for, e.g. discord-bot')
  .requiredOption('--scope <scopes>', `comma-separated: ${TOKEN_SCOPES.join(', ')}`, scopeList)
  .action((options: { name: string; scope: TokenScope[] }) => {
    const db = openDatabase(loadApiConfig(process.env).databasePath);
    const created = createApiToken(db, options.name, options.scope);
    process.stdout.write(`${created.token}\n`);
    process.stderr.write(
      `token ${created.id} (${options.scope.join(',')}) created; it is shown only this once.\n`,
    );
  });
token.command('list').action(() => {
  const db = openDatabase(loadApiConfig(process.env).databasePath);
  for (const t of listApiTokens(db)) {
    process.stdout.write(
      `${t.id}  ${t.scopes.padEnd(14)} ${t.name}${t.revokedAt ? `  (revoked ${t.revokedAt})` : ''}\n`,
    );
  }
});
token.command('revoke <id>').action((id: string) => {
  const db = openDatabase(loadApiConfig(process.env).databasePath);
  if (!revokeApiToken(db, id)) fail(`there is no token ${id}; 'token list' shows them.`);
});

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) process.exit(0);
    fail(`${error.message.replace(/^error: /, '')} Run with --help for the commands.`);
  }
  if (error instanceof ConfigError) fail(error.message);
  fail(error instanceof Error ? error.message : String(error));
});
