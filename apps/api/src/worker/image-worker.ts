// Game image builds: a BullMQ Worker on their own queue running each `{buildId}` through the image builder, one
// build at a time per worker (each is minutes of a VM installing), with the same stalled-job recovery as jobs;
// and the warm pool's upkeep, made from those images, on the same queue.
import { type Job, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { createImageBuilder } from '../images/image-builder.js';
import { DEFAULT_RUNNER_OPTIONS, type RunnerDeps, type RunnerOptions } from '../pipeline/context.js';
import { keepPool } from '../pool/pool-upkeep.js';
import { IMAGE_QUEUE_NAME, type ImageQueueJob } from '../queue/image-queue.js';
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
): Worker<ImageQueueJob, unknown> {
  const enqueuePoolUpkeep = () => services.images.enqueuePoolUpkeep();
  const builder = createImageBuilder(deps, options.runner);
  const runnerOptions = { ...DEFAULT_RUNNER_OPTIONS, ...options.runner };
  const process = (job: Job<ImageQueueJob>, token?: string): Promise<unknown> =>
    runHeld(job, token, options, async (attempt) => {
      if ('buildId' in job.data) {
        const result = await builder.run(job.data.buildId, attempt);
        // A new image drains the pool made from the old one and fills it again.
        if (result === 'succeeded') await enqueuePoolUpkeep();
        return result;
      }
      const signal = attempt.signal ?? options.stopping;
      return keepPool({
        runner: deps,
        options: runnerOptions,
        signal,
        log: logger.child({ component: 'pool' }),
      });
    });
  const worker = new Worker<ImageQueueJob, unknown>(IMAGE_QUEUE_NAME, process, {
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
      { job: job?.name, attemptsMade: job?.attemptsMade, err: error.message },
      'image build or pool upkeep run ended early',
    ),
  );
  worker.on('error', (error) => logger.error({ err: error.message }, 'image worker error'));
  return worker;
}
