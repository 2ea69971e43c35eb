import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_RETRY } from './retry-policy.js';

export const IMAGE_QUEUE_NAME = 'guildserver-images';

export interface QueuedImageBuild {
  /** Our build id (the row in `image_builds`); also BullMQ's job id, so enqueuing twice is a no-op. */
  buildId: string;
}

/**
 * The warm pool's upkeep (pool/pool-upkeep.ts) runs on this queue too, after the builds its VMs are cloned from,
 * under one fixed job id: asked for while one waits or runs, it is not queued twice, so it never runs twice at
 * once.
 */
export const POOL_UPKEEP_JOB = 'pool-upkeep';
export type ImageQueueJob = QueuedImageBuild | { poolUpkeep: true };

/**
 * The producer side of game image builds: a queue of their own, so a build (many minutes of Ansible) never
 * holds a slot the servers' jobs need. As with jobs, a BullMQ job only points at the row in SQLite.
 */
export function createImageQueue(
  connection: Redis,
  prefix: string,
  /** Names each BullMQ job after its game, for Redis tools and dashboards. */
  gameOf: (buildId: string) => string | undefined,
) {
  const queue = new Queue<ImageQueueJob>(IMAGE_QUEUE_NAME, {
    connection,
    prefix,
    defaultJobOptions: {
      ...JOB_RETRY,
      removeOnComplete: { count: 200 },
      removeOnFail: { count: 1_000 },
    },
  });
  return {
    queue,
    enqueue: async (buildId: string) => {
      await queue.add(gameOf(buildId) ?? 'unknown', { buildId }, { jobId: buildId });
    },
    enqueuePoolUpkeep: async () => {
      await queue.add(
        POOL_UPKEEP_JOB,
        { poolUpkeep: true },
        { jobId: POOL_UPKEEP_JOB, attempts: 1, removeOnComplete: true, removeOnFail: true },
      );
    },
    close: () => queue.close(),
  };
}

export type ImageQueue = ReturnType<typeof createImageQueue>;
