// Entry point: `node --import tsx apps/discord-bot/src/main.ts`. Reads the environment once (stopping with a
// sentence naming a wrong variable), connects to Discord, follows the API's events until SIGINT/SIGTERM.
import { ConfigError } from '@guildserver/config';
import { startBot } from './bot.js';
import { loadBotConfig } from './config.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadBotConfig>;
  try {
    config = loadBotConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`discord-bot: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const bot = await startBot(config, { logger });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'stopping');
    bot.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`discord-bot: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
