import type { GameDefinition } from '@guildserver/games';
import { formatDuration, GameQueryError } from './errors.js';

/** One query: which game, where, and how long it may take. */
export interface QueryTarget {
  game: GameDefinition;
  host: string;
  port: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
}

/** `10.0.0.5:30000/udp`. */
export function endpoint(target: QueryTarget): string {
  return `${target.host}:${target.port}/${target.game.query.transport}`;
}

export function timeoutError(target: QueryTarget, what: string): GameQueryError {
  return new GameQueryError(
    'timeout',
    `${target.game.name} did not answer ${what} on ${endpoint(target)} within ${formatDuration(target.timeoutMs)}.`,
  );
}

export function abortedError(target: QueryTarget): GameQueryError {
  return new GameQueryError(
    'aborted',
    `The query of ${target.game.name} on ${endpoint(target)} was stopped before it answered.`,
  );
}

/**
 * Settles with `work`, or rejects with a time-out (or abort) error when it takes longer than the target
 * allows; `stop` then ends whatever `work` holds open (sockets).
 */
export function withDeadline<T>(
  target: QueryTarget,
  what: string,
  work: Promise<T>,
  stop: () => void,
  graceMs = 0,
): Promise<T> {
  const { signal } = target;
  if (signal?.aborted) {
    stop();
    return Promise.reject(abortedError(target));
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: { value: T } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if ('value' in outcome) return resolve(outcome.value);
      stop();
      reject(outcome.error);
    };
    const onAbort = () => finish({ error: abortedError(target) });
    const timer = setTimeout(() => finish({ error: timeoutError(target, what) }), target.timeoutMs + graceMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => finish({ value }),
      (error: unknown) => finish({ error }),
    );
  });
}
