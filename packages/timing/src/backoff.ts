export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Exponential back-off with "equal jitter": a random delay between half and all of min(cap, base·2^attempt). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
