// Jobs and steps are counted from the events table, not inside the worker: workers may run in other
// processes, and this way the API's /metrics sees all of them. It follows events from the newest at start
// (counters start at zero with the process, as Prometheus expects).
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { jobSteps, jobs } from '../db/schema.js';
import { lastEventId, listEvents } from '../domain/events.js';
import { isStepName } from '../domain/plans.js';
import { eventFeedFor } from './event-feed.js';
import type { ApiMetrics } from './metrics.js';

const JOB_OUTCOME: Record<string, string> = { 'job.succeeded': 'succeeded', 'job.failed': 'failed' };
const STEP_OUTCOME: Record<string, string> = { 'step.succeeded': 'succeeded', 'step.failed': 'failed' };
const IMAGE_OUTCOME: Record<string, string> = {
  'image.build_succeeded': 'succeeded',
  'image.build_failed': 'failed',
};

/** What the pipeline puts in step and job events (pipeline/job-store.ts). */
interface StepEventData {
  step?: unknown;
  position?: unknown;
  durationMs?: unknown;
  kind?: unknown;
}

function stepDurationSeconds(db: Db, jobId: string, step: string, data: StepEventData): number | undefined {
  if (typeof data.durationMs === 'number') return data.durationMs / 1000;
  const stepCondition =
    typeof data.position === 'number'
      ? eq(jobSteps.position, data.position)
      : isStepName(step)
        ? eq(jobSteps.name, step)
        : undefined;
  if (!stepCondition) return undefined;
  const row = db
    .select({ startedAt: jobSteps.startedAt, finishedAt: jobSteps.finishedAt })
    .from(jobSteps)
    .where(and(eq(jobSteps.jobId, jobId), stepCondition))
    .get();
  if (!row?.startedAt || !row.finishedAt) return undefined;
  return Math.max(0, Date.parse(row.finishedAt) - Date.parse(row.startedAt)) / 1000;
}

/**
 * Counts `job.succeeded|failed` by job kind and `image.build_succeeded|failed` by game, and observes
 * `step.succeeded|failed` durations by step name.
 */
export function startJobMetrics(db: Db, metrics: ApiMetrics): { close(): void } {
  const stop = new AbortController();
  const feed = eventFeedFor(db);
  const loop = async () => {
    let cursor: number;
    try {
      cursor = lastEventId(db);
    } catch {
      return; // the database is already closed
    }
    while (!stop.signal.aborted) {
      try {
        const batch = listEvents(db, cursor, 500);
        for (const event of batch) {
          cursor = event.id;
          const imageOutcome = IMAGE_OUTCOME[event.type];
          if (imageOutcome) {
            const { game } = event.data as { game?: unknown };
            metrics.imageBuildsFinished.inc({ game: String(game), outcome: imageOutcome });
            continue;
          }
          const jobOutcome = JOB_OUTCOME[event.type];
          const stepOutcome = STEP_OUTCOME[event.type];
          if (!event.jobId || (!jobOutcome && !stepOutcome)) continue;
          const data = event.data as StepEventData;
          if (jobOutcome) {
            const kind =
              typeof data.kind === 'string'
                ? data.kind
                : db.select({ kind: jobs.kind }).from(jobs).where(eq(jobs.id, event.jobId)).get()?.kind;
            metrics.jobsFinished.inc({ kind: kind ?? 'unknown', outcome: jobOutcome });
          } else if (stepOutcome) {
            const step = typeof data.step === 'string' ? data.step : undefined;
            if (!step) continue;
            const seconds = stepDurationSeconds(db, event.jobId, step, data);
            if (seconds !== undefined) metrics.stepDuration.observe({ step, outcome: stepOutcome }, seconds);
          }
        }
        if (batch.length === 500) continue;
      } catch {
        // The database is closing (shutdown) or busy: try again at the next wake-up.
      }
      await feed.wait(cursor, 30_000, stop.signal);
    }
  };
  void loop();
  return { close: () => stop.abort() };
}
