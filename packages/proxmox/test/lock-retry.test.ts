import { describe, expect, it } from 'vitest';
import { LockTimeoutError, VmLockedError, withLockRetry } from '../src/index';

describe('withLockRetry', () => {
  it('repeats on lock_timeout until success', async () => {
    let calls = 0;
    const retries: number[] = [];
    const result = await withLockRetry(
      async () => {
        calls++;
        if (calls < 3)
          throw new LockTimeoutError(
            "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
          );
        return 'cloned';
      },
      { baseDelayMs: 1, maxDelayMs: 2, onRetry: (_e, attempt) => retries.push(attempt) },
    );
    expect(result).toBe('cloned');
    expect(calls).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('gives up after the attempts and rethrows the lock time-out', async () => {
    let calls = 0;
    const run = withLockRetry(
      async () => {
        calls++;
        throw new LockTimeoutError('got timeout');
      },
      { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    );
    await expect(run).rejects.toBeInstanceOf(LockTimeoutError);
    expect(calls).toBe(3);
  });

  it('does not repeat other errors', async () => {
    let calls = 0;
    await expect(
      withLockRetry(async () => {
        calls++;
        throw new VmLockedError('VM is locked (clone)', 'clone');
      }),
    ).rejects.toBeInstanceOf(VmLockedError);
    expect(calls).toBe(1);
  });
});
