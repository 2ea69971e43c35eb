import pino, { type Logger } from 'pino';

/** JSON logs on stdout; anything that looks like a credential is masked wherever it appears. */
export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        'headers.authorization',
        '*.headers.authorization',
        'token',
        '*.token',
        'secret',
        '*.secret',
        'tokenSecret',
        '*.tokenSecret',
        'password',
        '*.password',
      ],
      censor: '[redacted]',
    },
  });
}
