// The schedules as BullMQ job schedulers (`upsertJobScheduler` with a cron pattern and a time zone): one per
// schedule, and one per warning before a scheduled restart. SQLite holds the schedules; `sync` rebuilds the
// schedulers from it (after Redis lost them, or a schedule changed while a process was down).
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { cronOf, type ScheduleTiming, warningCronOf, warningsOf } from '../domain/schedule-patterns.js';

export const SCHEDULE_QUEUE_NAME = 'guildserver-schedules';

/** What each scheduled BullMQ job carries: which schedule fired, and whether it is a warning before it. */
export interface ScheduleFire {
  scheduleId: string;
  /** Minutes before the run, for a warning. */
  warning?: number;
}

/** GuildServer's own housekeeping at fixed times, run by job schedulers beside the servers' schedules. */
const SYSTEM_PATTERNS = {
  /** Removes automatic backups past BACKUP_KEEP_DELETED_DAYS, hourly. */
  'backup-expiry': '23 * * * *',
  /** Builds game images again when their recipe changed or they are IMAGE_REBUILD_DAYS old, hourly. */
  'image-refresh': '41 * * * *',
  /**
   * Tops the warm pool up (WARM_POOL) every five minutes, beside the upkeep a create asks for when it takes a
   * pool VM and the one a new image brings: retries what failed, notices what changed at Proxmox.
   */
  'pool-upkeep': '*/5 * * * *',
} as const;
/** The housekeeping tasks: those above, and the player monitor every MONITOR_INTERVAL (monitor/player-monitor.ts). */
export type SystemTask = keyof typeof SYSTEM_PATTERNS | 'player-monitor';

type SystemRepeat = { pattern: string } | { every: number };

/** Each housekeeping task with how its scheduler repeats. */
function systemRepeats(monitorIntervalMs: number): [SystemTask, SystemRepeat][] {
  const fixed = Object.entries(SYSTEM_PATTERNS).map(([task, pattern]): [SystemTask, SystemRepeat] => [
    task as SystemTask,
    { pattern },
  ]);
  return [...fixed, ['player-monitor', { every: monitorIntervalMs }]];
}
const SYSTEM = 'system';

export interface ScheduledEntry extends ScheduleTiming {
  id: string;
  timeZone: string;
}

const mainId = (scheduleId: string) => `schedule:${scheduleId}`;
const warningId = (scheduleId: string, minutes: number) => `schedule:${scheduleId}:warn${minutes}`;
const scheduleIdOf = (schedulerId: string) => schedulerId.split(':')[1];
/** The housekeeping task a fire is for, if it is one (`system:backup-expiry`). */
export const systemTaskOf = (fire: ScheduleFire): SystemTask | undefined =>
  fire.scheduleId.startsWith(`${SYSTEM}:`)
    ? (fire.scheduleId.slice(SYSTEM.length + 1) as SystemTask)
    : undefined;

export function createScheduleQueue(connection: Redis, prefix: string, monitorIntervalMs: number) {
  const system = systemRepeats(monitorIntervalMs);
  const queue = new Queue<ScheduleFire>(SCHEDULE_QUEUE_NAME, {
    connection,
    prefix,
    defaultJobOptions: { removeOnComplete: { count: 1_000 }, removeOnFail: { count: 1_000 } },
  });

  async function unregister(scheduleId: string): Promise<void> {
    const ids = (await queue.getJobSchedulers(0, -1)).map((s) => s.key);
    for (const id of ids.filter((key) => scheduleIdOf(key) === scheduleId))
      await queue.removeJobScheduler(id);
  }

  /**
   * Upserts the schedule's scheduler and its warnings and drops warnings it no longer has. Only upserts and
   * removals of what is not wanted: two processes registering the same schedule at once (the API, and a
   * worker's rebuild) converge on the same schedulers.
   */
  async function register(entry: ScheduledEntry): Promise<void> {
    await queue.upsertJobScheduler(
      mainId(entry.id),
      { pattern: cronOf(entry), tz: entry.timeZone },
      { name: entry.action, data: { scheduleId: entry.id } },
    );
    const warnings = warningsOf(entry);
    for (const minutes of warnings) {
      await queue.upsertJobScheduler(
        warningId(entry.id, minutes),
        { pattern: warningCronOf(entry.at!, minutes), tz: entry.timeZone },
        { name: `${entry.action}-warning`, data: { scheduleId: entry.id, warning: minutes } },
      );
    }
    const wanted = new Set([mainId(entry.id), ...warnings.map((m) => warningId(entry.id, m))]);
    for (const scheduler of await queue.getJobSchedulers(0, -1)) {
      if (scheduleIdOf(scheduler.key) === entry.id && !wanted.has(scheduler.key))
        await queue.removeJobScheduler(scheduler.key);
    }
  }

  return {
    queue,
    register,
    unregister,
    /** When the schedule runs next, as its scheduler has it. */
    async nextRunOf(scheduleId: string): Promise<number | undefined> {
      const scheduler = await queue.getJobScheduler(mainId(scheduleId));
      return scheduler?.next ?? undefined;
    },
    /** Makes Redis hold exactly these schedules' schedulers. */
    async sync(entries: readonly ScheduledEntry[]): Promise<void> {
      const wanted = new Set(entries.map((e) => e.id));
      for (const scheduler of await queue.getJobSchedulers(0, -1)) {
        const id = scheduleIdOf(scheduler.key);
        if (scheduler.key.startsWith(`${SYSTEM}:`)) continue;
        if (!id || !wanted.has(id)) await queue.removeJobScheduler(scheduler.key);
      }
      for (const entry of entries) await register(entry);
      for (const [task, repeat] of system)
        await queue.upsertJobScheduler(`${SYSTEM}:${task}`, repeat, {
          name: task,
          data: { scheduleId: `${SYSTEM}:${task}` },
        });
    },
    /** How many schedulers GuildServer's own housekeeping adds to the servers' ones. */
    systemCount: system.length,
    close: () => queue.close(),
  };
}

export type ScheduleQueue = ReturnType<typeof createScheduleQueue>;
