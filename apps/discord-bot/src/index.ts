export { type BotOptions, deployCommands, type RunningBot, startBot } from './bot.js';
export { COMMANDS } from './command-definitions/server.js';
export { type BotConfig, loadBotConfig } from './config.js';
export { createLogger } from './logger.js';
