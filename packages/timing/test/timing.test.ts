import { describe, expect, it } from 'vitest';
import { backoffDelay, pause, pollUntil, sleep } from '../src/index';

describe('sleep and pause', () => {
  it('sleep rejects with the signal’s reason as soon as it aborts; pause just ends', async () => {
    const stop = new AbortController();
    const started = Date.now();
    const sleeping = sleep(10_000, stop.signal);
    const pausing = pause(10_000, stop.signal);
    stop.abort(new Error('shutting down'));
    await expect(sleeping).rejects.toThrow('shutting down');
    await expect(pausing).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('sleep refuses to start on an aborted signal', async () => {
    await expect(sleep(10, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});

describe('pollUntil', () => {
  it('tries again after a growing wait until a value comes, and returns it', async () => {
    const tries: number[] = [];
    const found = await pollUntil(
      async () => {
        tries.push(Date.now());
        return tries.length === 4 ? 'ready' : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 20, maxIntervalMs: 45, onTimeout: () => new Error('never') },
    );
    expect(found).toBe('ready');
    const waits = tries.slice(1).map((at, i) => at - tries[i]!);
    // 20, then 30, then capped at 45 (timers may fire a little late, never early).
    expect(waits[0]).toBeGreaterThanOrEqual(19);
    expect(waits[1]).toBeGreaterThanOrEqual(29);
    expect(waits[2]).toBeGreaterThanOrEqual(44);
  });

  it('tries a last time at the deadline, then throws the caller’s error without waiting past it', async () => {
    let tries = 0;
    const started = Date.now();
    await expect(
      pollUntil(
        async () => {
          tries++;
          return undefined;
        },
        { timeoutMs: 120, intervalMs: 100, onTimeout: () => new Error(`gave up after ${tries} tries`) },
      ),
      // Tries at 0 ms, 100 ms (one full wait) and 120 ms (the rest of the time), then gives up.
    ).rejects.toThrow('gave up after 3 tries');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('a try that throws ends the poll with that error', async () => {
    await expect(
      pollUntil(
        async () => {
          throw new Error('task failed');
        },
        { timeoutMs: 1_000, intervalMs: 10, onTimeout: () => new Error('timeout') },
      ),
    ).rejects.toThrow('task failed');
  });

  it('passes the deadline to each try, so a try can bound its own wait', async () => {
    const before = Date.now();
    const deadline = await pollUntil(async (at) => at, {
      timeoutMs: 2_000,
      intervalMs: 10,
      onTimeout: () => new Error('timeout'),
    });
    expect(deadline).toBeGreaterThanOrEqual(before + 2_000);
  });
});

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt up to the cap, with equal jitter', () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelay(0, options, () => 0)).toBe(50);
    expect(backoffDelay(0, options, () => 1)).toBe(100);
    expect(backoffDelay(3, options, () => 1)).toBe(800);
    expect(backoffDelay(10, options, () => 0)).toBe(500);
  });
});
