// SQLite is the truth about jobs (and image builds); Redis only carries pointers to them. At start and every so
// often, every job not finished in SQLite is checked against its queue: a missing BullMQ job (Redis lost it, or the producer
// died between commit and enqueue) is enqueued again — a no-op when present, since BullMQ's job id is ours — and
// one BullMQ gave up on without our runner concluding (it stalled too often) gets one more, final, run.
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';

export interface SweepResult {
  checked: number;
  requeued: string[];
  revived: string[];
}

/** `unfinished`: the ids SQLite has not seen finish, each also its BullMQ job's id in `queue`. */
export async function sweepLostJobs(
  unfinished: readonly string[],
  queue: Queue,
  enqueue: (jobId: string) => Promise<void>,
  logger: Logger,
): Promise<SweepResult> {
  const result: SweepResult = { checked: 0, requeued: [], revived: [] };
  for (const jobId of unfinished) {
    result.checked++;
    const job = await queue.getJob(jobId);
    const state = job ? await job.getState() : 'missing';
    if (!job || state === 'unknown' || state === 'missing') {
      await enqueue(jobId);
      result.requeued.push(jobId);
    } else if (state === 'failed') {
      await job.retry('failed');
      result.revived.push(jobId);
    } else if (state === 'completed') {
      await job.remove();
      await enqueue(jobId);
      result.requeued.push(jobId);
    }
  }
  if (result.requeued.length > 0 || result.revived.length > 0) {
    logger.warn({ requeued: result.requeued, revived: result.revived }, 'recovered jobs the queue had lost');
  }
  return result;
}
