// Whether a job's outcome belongs to a schedule: a job one of the server's schedules queued is not a change
// "made outside Discord" — its failure is told by `schedule.failed` (once), its success by the schedule's
// last run in `/server schedule list`, so the job's own outcome is not announced.
import type { ApiClient } from '@guildserver/api-client';
import { SCHEDULE_ACTIONS } from '@guildserver/contracts';
import type { JobOutcomeEvent } from './routing.js';

const SCHEDULABLE: ReadonlySet<string> = new Set(SCHEDULE_ACTIONS);

/** The server's schedules, as the API lists them now, name the job as one's last run. */
export async function isScheduledRun(api: ApiClient, event: JobOutcomeEvent): Promise<boolean> {
  if (!event.serverId || !event.jobId || !SCHEDULABLE.has(event.data.kind)) return false;
  const list = await api.schedules(event.serverId, { timeoutMs: 5_000 }).catch(() => undefined);
  return list?.schedules.some((s) => s.lastRun?.jobId === event.jobId) ?? false;
}
