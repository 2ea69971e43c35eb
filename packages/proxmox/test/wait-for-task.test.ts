import { describe, expect, it } from 'vitest';
import type { TaskStatus, TasksApi } from '../src/index';
import { LockTimeoutError, TaskFailedError, TimeoutError, waitForTask } from '../src/index';

const UPID = 'UPID:pve2:000A3F2C:00B1C3D4:6650A1B2:qmclone:9000:root@pam!guildserver:';

function fakeTasks(statuses: Array<Partial<TaskStatus>>, log: string[] = [], total?: number) {
  const asked: string[] = [];
  const logRanges: Array<{ start?: number; limit?: number }> = [];
  let i = 0;
  const tasks: TasksApi = {
    status: async (upid) => {
      asked.push(upid);
      const next = statuses[Math.min(i++, statuses.length - 1)]!;
      return {
        upid,
        node: 'pve2',
        type: 'qmclone',
        id: '9000',
        user: 'root@pam',
        starttime: 0,
        status: 'running',
        ...next,
      };
    },
    log: async (_upid, range = {}) => {
      logRanges.push(range);
      return { lines: log.map((t, n) => ({ n: n + 1, t })), total };
    },
  };
  return { tasks, asked, logRanges };
}

describe('waitForTask', () => {
  it('polls until stopped with OK', async () => {
    const { tasks, asked } = fakeTasks([{}, {}, { status: 'stopped', exitstatus: 'OK' }]);
    const status = await waitForTask(tasks, UPID, { intervalMs: 1 });
    expect(status.exitstatus).toBe('OK');
    expect(asked).toHaveLength(3);
  });

  it('treats WARNINGS: n as success', async () => {
    const { tasks } = fakeTasks([{ status: 'stopped', exitstatus: 'WARNINGS: 2' }]);
    await expect(waitForTask(tasks, UPID)).resolves.toMatchObject({ exitstatus: 'WARNINGS: 2' });
  });

  it('throws task_failed with exit status and the last log lines', async () => {
    const { tasks, logRanges } = fakeTasks(
      [{ status: 'stopped', exitstatus: 'VM 101 already running' }],
      ['starting', 'TASK ERROR: VM 101 already running'],
      120,
    );
    const error = await waitForTask(tasks, UPID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    const failed = error as TaskFailedError;
    expect(failed.code).toBe('task_failed');
    expect(failed.exitstatus).toBe('VM 101 already running');
    expect(failed.log).toContain('TASK ERROR: VM 101 already running');
    expect(failed.message).toContain('VM 101 already running');
    expect(logRanges).toEqual([
      { start: 0, limit: 50 },
      { start: 70, limit: 50 },
    ]);
  });

  it('a task ended by a lock time-out is lock_timeout (retryable), with the task attached', async () => {
    const exitstatus =
      "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout";
    const { tasks } = fakeTasks([{ status: 'stopped', exitstatus }]);
    const error = await waitForTask(tasks, UPID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as LockTimeoutError).task?.exitstatus).toBe(exitstatus);
  });

  it('honours the deadline', async () => {
    const { tasks } = fakeTasks([{}]);
    const error = await waitForTask(tasks, UPID, { timeoutMs: 20, intervalMs: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('timeout');
  });
});
