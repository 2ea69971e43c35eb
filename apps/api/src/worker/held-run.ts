import type { Job } from 'bullmq';
import type { RunAttempt } from '../pipeline/runner.js';
import { attemptOf } from '../queue/retry-policy.js';

/**
 * Runs a BullMQ job's work with what the runners need of it: which attempt this is, a signal aborted when the
 * worker stops, and whether this worker still holds the job (renewing its lock).
 */
export async function runHeld<T>(
  job: Job,
  token: string | undefined,
  worker: { stopping: AbortSignal; lockDurationMs: number },
  run: (attempt: RunAttempt) => Promise<T>,
): Promise<T> {
  const own = new AbortController();
  const stop = () => own.abort(worker.stopping.reason);
  worker.stopping.addEventListener('abort', stop, { once: true });
  try {
    return await run({
      ...attemptOf(job),
      signal: own.signal,
      stillHeld: async () =>
        token === undefined || (await job.extendLock(token, worker.lockDurationMs)) === 1,
    });
  } finally {
    worker.stopping.removeEventListener('abort', stop);
  }
}
