// What a scheduled run's outcome records: the schedule's last run, and — once, until a run succeeds again — the
// failure, as a `schedule.failed` event the owner's channel (and the guild's admin channel) hears of.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { type ScheduleRow, type ServerRow, schedules } from '../db/schema.js';
import { recordEvent } from './event-log.js';
import { now } from './ids.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Writer = Pick<Db | Tx, 'select' | 'update' | 'insert'>;

export function noteScheduledRun(
  db: Writer,
  scheduleId: string,
  run: { outcome: NonNullable<ScheduleRow['lastOutcome']>; jobId: string | null; note: string },
): void {
  db.update(schedules)
    .set({ lastRunAt: now(), lastOutcome: run.outcome, lastJobId: run.jobId, lastNote: run.note })
    .where(eq(schedules.id, scheduleId))
    .run();
}

/** A scheduled job (or run) failed: said once; later failures only update the schedule's last run. */
export function noteScheduleFailed(
  db: Writer,
  scheduleId: string,
  server: ServerRow,
  failure: { jobId: string | null; code: string; reason: string },
): void {
  const row = db.select().from(schedules).where(eq(schedules.id, scheduleId)).get();
  if (!row) return;
  noteScheduledRun(db, scheduleId, { outcome: 'failed', jobId: failure.jobId, note: failure.reason });
  if (row.failureAnnouncedAt !== null) return;
  db.update(schedules).set({ failureAnnouncedAt: now() }).where(eq(schedules.id, scheduleId)).run();
  recordEvent(
    db,
    { server, ...(failure.jobId ? { jobId: failure.jobId } : {}) },
    { type: 'schedule.failed', data: { scheduleId, action: row.action, ...failure } },
  );
}

/** A scheduled job succeeded: the next failure is announced again. */
export function noteScheduleSucceeded(db: Writer, scheduleId: string): void {
  db.update(schedules).set({ failureAnnouncedAt: null }).where(eq(schedules.id, scheduleId)).run();
}
