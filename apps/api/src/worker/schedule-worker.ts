// The schedule queue's consumer: every worker process takes part (BullMQ hands each fire to one), and keeps
// Redis's job schedulers in step with the database — rebuilt at start, and again whenever their count shows
// Redis lost them.
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { ScheduleService } from '../domain/schedule-service.js';
import {
  SCHEDULE_QUEUE_NAME,
  type ScheduleFire,
  type ScheduleQueue,
  type SystemTask,
  systemTaskOf,
} from '../queue/schedule-queue.js';
import type { Services } from '../runtime/services.js';
import { runScheduleFire, type ScheduleFireDeps } from './schedule-fires.js';

export interface RunningScheduleWorker {
  /** Rebuilds the schedulers when Redis holds fewer or more than the database calls for. */
  check(): Promise<void>;
  close(): Promise<void>;
}

export async function startScheduleWorker(
  services: Services,
  deps: ScheduleFireDeps & {
    schedules: ScheduleService;
    queue: ScheduleQueue;
    /** GuildServer's own scheduled tasks; each resolves with what it did, in a sentence. */
    housekeeping: Record<SystemTask, () => Promise<string>>;
  },
  logger: Logger,
): Promise<RunningScheduleWorker> {
  const worker = new Worker<ScheduleFire, string>(
    SCHEDULE_QUEUE_NAME,
    async (job) => {
      const task = systemTaskOf(job.data);
      const outcome = task ? await deps.housekeeping[task]() : await runScheduleFire(deps, job.data);
      // The player monitor runs every minute: its rounds are for debugging, not the everyday log.
      logger[task === 'player-monitor' ? 'debug' : 'info'](
        { scheduleId: job.data.scheduleId, warning: job.data.warning, outcome },
        'schedule fired',
      );
      return outcome;
    },
    { connection: services.connect(), prefix: services.config.queuePrefix, concurrency: 4, autorun: false },
  );
  worker.on('error', (error) => logger.error({ err: error.message }, 'schedule worker error'));
  worker.on('failed', (job, error) =>
    logger.warn({ scheduleId: job?.data.scheduleId, err: error.message }, 'a scheduled run failed'),
  );
  await deps.schedules.syncAll();
  void worker
    .run()
    .catch((error: unknown) =>
      logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'schedule worker stopped',
      ),
    );
  await worker.waitUntilReady();
  return {
    async check() {
      const held = await deps.queue.queue.getJobSchedulersCount();
      if (held === deps.schedules.expectedSchedulerCount() + deps.queue.systemCount) return;
      logger.warn({ held }, 'the job schedulers in Redis differ from the schedules; rebuilding them');
      await deps.schedules.syncAll();
    },
    close: () => worker.close(),
  };
}
