import type { JobKind } from '@guildserver/contracts';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_RETRY } from './retry-policy.js';

export const QUEUE_NAME = 'guildserver-jobs';

export interface QueuedJob {
  /** Our job id (the row in `jobs`); also BullMQ's job id, so enqueuing twice is a no-op. */
  jobId: string;
}

/**
 * The producer side. A BullMQ job only points at our job row: the steps and their state live in SQLite,
 * so Redis losing a job (or the job being retried) never loses or repeats work.
 */
export function createJobQueue(
  connection: Redis,
  prefix: string,
  /** Names each BullMQ job after its kind, so Redis tools and dashboards tell creates from deletes. */
  kindOf: (jobId: string) => JobKind | undefined,
) {
  const queue = new Queue<QueuedJob>(QUEUE_NAME, {
    connection,
    prefix,
    defaultJobOptions: {
      ...JOB_RETRY,
      removeOnComplete: { count: 1_000 },
      removeOnFail: { count: 5_000 },
    },
  });
  return {
    queue,
    enqueue: async (jobId: string) => {
      await queue.add(kindOf(jobId) ?? 'unknown', { jobId }, { jobId });
    },
    close: () => queue.close(),
  };
}

export type JobQueue = ReturnType<typeof createJobQueue>;
