import { sleep } from './sleep.js';

export interface PollOptions {
  /** Give up this long after the first try. */
  timeoutMs: number;
  /** The wait after the first try that gave nothing. */
  intervalMs: number;
  /** Each wait grows ×1.5 up to this; without it every wait is `intervalMs`. */
  maxIntervalMs?: number;
  signal?: AbortSignal;
  /** The error thrown once the deadline passes with nothing found. */
  onTimeout: () => Error;
}

/**
 * Tries until `attempt` gives a value (anything but `undefined`). Between tries it waits, never past the
 * deadline; a try that throws ends the poll with that error, an abort with the signal's reason.
 */
export async function pollUntil<T>(
  attempt: (deadline: number) => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const maxInterval = options.maxIntervalMs ?? options.intervalMs;
  let interval = options.intervalMs;
  for (;;) {
    const found = await attempt(deadline);
    if (found !== undefined) return found;
    const left = deadline - Date.now();
    if (left <= 0) throw options.onTimeout();
    await sleep(Math.min(interval, left), options.signal);
    interval = Math.min(maxInterval, Math.round(interval * 1.5));
  }
}
