import { backoffDelay, sleep } from '@guildserver/timing';
import { LockTimeoutError } from './errors/classes';

export interface LockRetryOptions {
  /** Total tries, first included. Default 5. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log. */
  onRetry?: (error: LockTimeoutError, attempt: number, delayMs: number) => void;
}

/**
 * Repeats `operation` while it fails with `lock_timeout` (PVE changed nothing), waiting with exponential
 * back-off and jitter. For a clone, wrap clone + waitForTask together: the storage lock time-out usually ends
 * the clone task, not the POST.
 */
export async function withLockRetry<T>(
  operation: () => Promise<T>,
  options: LockRetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  const backoff = { baseDelayMs: options.baseDelayMs ?? 1_000, maxDelayMs: options.maxDelayMs ?? 15_000 };
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof LockTimeoutError) || attempt + 1 >= attempts) throw error;
      const delay = backoffDelay(attempt, backoff);
      options.onRetry?.(error, attempt + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}
