// Game image builds: a BullMQ Worker on their own queue running each `{buildId}` through the image builder, one
// build at a time per worker (each is minutes of a VM installing), with the same stalled-job recovery as jobs.
import { type Job, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { type BuildResult, createImageBuilder } from '../images/image-builder.js';
import type { RunnerDeps, RunnerOptions } from '../pipeline/context.js';
import { IMAGE_QUEUE_NAME, type QueuedImageBuild } from '../queue/image-queue.js';
import type { Services } from '../runtime/services.js';
import { runHeld } from './held-run.js';

export interface ImageWorkerOptions {
  runner?: Partial<RunnerOptions>;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  /** Aborted when the worker stops: a running build stops where it is and resumes later. */
  stopping: AbortSignal;
}

export function startImageWorker(
  services: Services,
  deps: RunnerDeps,
  options: ImageWorkerOptions,
  logger: Logger,
): Worker<QueuedImageBuild, BuildResult> {
  const builder = createImageBuilder(deps, options.runner);
  const process = (job: Job<QueuedImageBuild>, token?: string): Promise<BuildResult> =>
    runHeld(job, token, options, (attempt) => builder.run(job.data.buildId, attempt));
  const worker = new Worker<QueuedImageBuild, BuildResult>(IMAGE_QUEUE_NAME, process, {
    connection: services.connect(),
    prefix: services.config.queuePrefix,
    concurrency: 1,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    maxStalledCount: options.maxStalledCount,
    autorun: false,
  });
  worker.on('failed', (job, error) =>
    logger.warn(
      { buildId: job?.data.buildId, attemptsMade: job?.attemptsMade, err: error.message },
      'image build run ended early; BullMQ retries it',
    ),
  );
  worker.on('error', (error) => logger.error({ err: error.message }, 'image worker error'));
  return worker;
}
