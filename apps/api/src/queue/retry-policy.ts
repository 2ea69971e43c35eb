// How often a job runs: BullMQ retries a job whose run threw, with back-off, until its attempts are spent; on
// the last attempt the runner ends the job instead of throwing, so a transient failure is then final.
import type { Job } from 'bullmq';
import type { Verdict } from '../pipeline/failures.js';

export const JOB_RETRY = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
} as const;

export interface AttemptOfRun {
  /** 1 for the first run of the job, counting BullMQ's retries. */
  attempt: number;
  /** BullMQ will not try again after this run. */
  finalAttempt: boolean;
}

export function attemptOf(job: Pick<Job, 'opts' | 'attemptsMade'>): AttemptOfRun {
  const attempts = job.opts.attempts ?? 1;
  // attemptsMade counts failed runs; a job revived by the sweep may already be past its attempts.
  const attempt = job.attemptsMade + 1;
  return { attempt, finalAttempt: attempt >= attempts };
}

/** Whether a failed step is left for BullMQ to run again (the step resumes from its memo). */
export const retriedLater = (verdict: Verdict, run: Pick<AttemptOfRun, 'finalAttempt'>): boolean =>
  verdict.kind === 'transient' && !run.finalAttempt;
