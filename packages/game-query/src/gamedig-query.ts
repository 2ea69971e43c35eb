// The games gamedig knows: one attempt on exactly the port given, mapped to a GameAnswer.
import { GameDig, type QueryResult } from 'gamedig';
import { formatDuration, GameQueryError } from './errors.js';
import { endpoint, type QueryTarget, withDeadline } from './target.js';
import type { GameAnswer } from './types.js';

/** gamedig's errors are an "all attempts failed" wrapper whose stack holds each attempt's error. */
function classify(target: QueryTarget, type: string, error: unknown): GameQueryError {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  const where = endpoint(target);
  const what = `gamedig's ${type} query`;
  if (/ECONNREFUSED|Connection Refused/i.test(text)) {
    return new GameQueryError(
      'refused',
      `${target.game.name} is not listening on ${where} yet: the connection for ${what} was refused.`,
      { cause: error },
    );
  }
  if (/EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE/.test(text)) {
    return new GameQueryError(
      'unreachable',
      `${target.game.name} could not be reached on ${where} for ${what} (${/E[A-Z]+/.exec(text)?.[0]}).`,
      { cause: error },
    );
  }
  if (/timed out|timeout/i.test(text)) {
    return new GameQueryError(
      'timeout',
      `${target.game.name} did not answer ${what} on ${where} within ${formatDuration(target.timeoutMs)}.`,
      { cause: error },
    );
  }
  const inner = /\n(?:\w*Error): ([^\n]+)/.exec(text)?.[1] ?? (error instanceof Error ? error.message : text);
  return new GameQueryError(
    'invalid_answer',
    `${target.game.name} on ${where} did not answer ${what} as expected: ${inner.replace(/\.$/, '')}.`,
    { cause: error },
  );
}

function count(value: number | string | undefined): number | undefined {
  const n = typeof value === 'string' ? Number.parseInt(value, 10) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function toGameAnswer(result: QueryResult): GameAnswer {
  const online = count(result.numplayers) ?? result.players?.length ?? 0;
  const max = count(result.maxplayers);
  const name = typeof result.name === 'string' && result.name.trim() !== '' ? result.name.trim() : undefined;
  const map = typeof result.map === 'string' && result.map !== '' ? result.map : undefined;
  const version = typeof result.version === 'string' ? result.version.trim() : '';
  return {
    ...(name !== undefined ? { name } : {}),
    ...(map !== undefined ? { map } : {}),
    ...(version !== '' ? { version } : {}),
    players: max === undefined ? undefined : { online, max },
    ...(typeof result.ping === 'number' && result.ping >= 0 ? { pingMs: result.ping } : {}),
    raw: result.raw,
  };
}

/**
 * How long one socket may wait for its answer: half the attempt. gamedig's minecraft protocol (types minecraft
 * and mbe) runs every edition's query at once and waits for all of them; those the server does not speak get no
 * answer and must give up within the attempt, or the one that answered is lost with them.
 */
const socketTimeoutOf = (timeoutMs: number) => Math.max(250, Math.floor(timeoutMs / 2));

export async function queryGamedig(target: QueryTarget, type: string): Promise<GameAnswer> {
  const work = GameDig.query({
    type,
    host: target.host,
    port: target.port,
    givenPortOnly: true,
    maxRetries: 1,
    socketTimeout: socketTimeoutOf(target.timeoutMs),
    attemptTimeout: target.timeoutMs,
    // The answer is for this server only: never a port remembered from an earlier query.
    portCache: false,
  }).catch((error: unknown) => {
    throw classify(target, type, error);
  });
  // gamedig keeps its own deadline; ours (a little later) only guards against one it misses, and the abort.
  const result = await withDeadline(target, `gamedig's ${type} query`, work, () => {}, 1_000);
  return toGameAnswer(result);
}
