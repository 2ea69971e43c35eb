import { type Logger, pino } from 'pino';

/** Structured JSON logs; tokens are redacted wherever they appear as fields. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { app: 'discord-bot' },
    redact: {
      paths: ['token', '*.token', 'headers.authorization', 'config.discordToken', 'config.apiToken'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
