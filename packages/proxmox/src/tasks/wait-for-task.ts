import { pollUntil } from '@guildserver/timing';
import type { TaskStatus, TasksApi } from '../api/tasks';
import { LockTimeoutError, TaskFailedError, TimeoutError } from '../errors/classes';
import { isLockTimeoutMessage } from '../errors/from-message';
import { parseUpid, type Upid } from '../upid';

export interface WaitForTaskOptions {
  /** Give up after this long. Default 10 min. */
  timeoutMs?: number;
  /** First poll interval; grows ×1.5 up to maxIntervalMs. Default 250 ms. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** How many trailing log lines a failure carries. Default 50. */
  logLines?: number;
  signal?: AbortSignal;
}

/** `OK` and `WARNINGS: n` are success; anything else is the failure text. */
export function isTaskSuccess(exitstatus: string | undefined): boolean {
  return exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus ?? '');
}

/**
 * Polls the task until it stops. Resolves with the final status on success; throws `task_failed` (with the
 * exit status and the last log lines), `lock_timeout` when the task died on a lock time-out (nothing changed,
 * may be retried), or `timeout` when the deadline passes (the task itself keeps running).
 */
export async function waitForTask(
  tasks: TasksApi,
  upid: Upid,
  options: WaitForTaskOptions = {},
): Promise<TaskStatus> {
  const parsed = parseUpid(upid);
  const timeoutMs = options.timeoutMs ?? 600_000;
  return pollUntil(
    async () => {
      const status = await tasks.status(upid, options.signal);
      if (status.status !== 'stopped') return undefined;
      if (isTaskSuccess(status.exitstatus)) return status;
      throw await failure(tasks, upid, status.exitstatus ?? 'unknown', options.logLines ?? 50);
    },
    {
      timeoutMs,
      intervalMs: options.intervalMs ?? 250,
      maxIntervalMs: options.maxIntervalMs ?? 2_000,
      signal: options.signal,
      onTimeout: () =>
        new TimeoutError(
          `Task ${parsed.type} for ${parsed.id || '-'} on ${parsed.node} still running after ${Math.round(timeoutMs / 1000)} s`,
        ),
    },
  );
}

async function failure(tasks: TasksApi, upid: Upid, exitstatus: string, wanted: number) {
  const parsed = parseUpid(upid);
  const log = await lastLogLines(tasks, upid, wanted);
  const task = { upid, exitstatus, log };
  const message = `Task ${parsed.type} for ${parsed.id || '-'} on ${parsed.node} failed: ${exitstatus}`;
  if (isLockTimeoutMessage(exitstatus)) return new LockTimeoutError(message, { task });
  return new TaskFailedError(message, task);
}

/** The tail of the log; if reading it fails, the failure is still reported (without lines). */
async function lastLogLines(tasks: TasksApi, upid: Upid, wanted: number): Promise<string[]> {
  try {
    let page = await tasks.log(upid, { start: 0, limit: wanted });
    if (page.total !== undefined && page.total > wanted) {
      page = await tasks.log(upid, { start: page.total - wanted, limit: wanted });
    }
    return page.lines.map((line) => line.t);
  } catch {
    return [];
  }
}
