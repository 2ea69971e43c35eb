import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export const QUEUE_NAME = 'guildserver-jobs';

export interface QueuedJob {
  /** Our job id (the row in `jobs`); also BullMQ's job id, so enqueuing twice is a no-op. */
  jobId: string;
}

/**
 * The producer side. A BullMQ job only points at our job row: the steps and their state live in SQLite,
 * so Redis losing a job (or the job being retried) never loses or repeats work.
 */
export function createJobQueue(connection: Redis, prefix: string) {
  const queue = new Queue<QueuedJob>(QUEUE_NAME, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: { count: 1_000 },
      removeOnFail: { count: 5_000 },
    },
  });
  return {
    queue,
    enqueue: async (jobId: string) => {
      await queue.add('run', { jobId }, { jobId });
    },
    close: () => queue.close(),
  };
}

export type JobQueue = ReturnType<typeof createJobQueue>;
