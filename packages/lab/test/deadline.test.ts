import { describe, expect, it } from 'vitest';
import {
  type Expected,
  type Host,
  MARGIN,
  MAX_SLOWDOWN,
  recordPace,
  startDeadline,
  testTimeoutMs,
  thisHost,
  waitUntil,
} from '../src/deadline.js';

/** A host whose load and clock the test sets. */
function fakeHost(cores: number, load: number, pace = 1) {
  const state = { load, at: 0 };
  const host: Host = { cores, load: () => state.load, pace: () => pace };
  return { host, state, now: () => state.at };
}

/** Real seconds until the deadline passes, looking every second as the waits do (load may change per second). */
function secondsUntilPassed(
  expected: Expected,
  fake: ReturnType<typeof fakeHost>,
  busyVms?: number,
  loadAt: (second: number) => number = () => fake.state.load,
): number {
  const deadline = startDeadline('the step', expected, {
    host: fake.host,
    now: fake.now,
    ...(busyVms === undefined ? {} : { busyVms }),
  });
  const from = fake.state.at;
  for (let second = 1; ; second++) {
    fake.state.load = loadAt(second);
    fake.state.at = from + second * 1000;
    if (deadline.passed()) return second;
  }
}

const ONE_VM: Expected = { seconds: 100, vmsAtOnce: 1 };

describe('lab deadlines follow the host', () => {
  it('give a step MARGIN times its measured time, plus the allowance, on a host like the reference one', () => {
    // One VM at work on 2 cores keeps them busy, as when it was measured.
    expect(secondsUntilPassed(ONE_VM, fakeHost(2, 1.5))).toBe(100 * MARGIN);
    expect(secondsUntilPassed({ ...ONE_VM, allowanceSeconds: 120 }, fakeHost(2, 1.5))).toBe(
      100 * MARGIN + 120,
    );
  });

  it('wait longer on a busy host, in proportion to the load over the cores', () => {
    // Load 6 on 2 cores: everything runs about three times slower than with the CPU to itself.
    expect(secondsUntilPassed(ONE_VM, fakeHost(2, 6))).toBe(3 * 100 * MARGIN);
    expect(secondsUntilPassed(ONE_VM, fakeHost(1, 1.5))).toBe(1.5 * 100 * MARGIN);
  });

  it('wait longer when more VMs share the CPU than when the figure was measured, and not when as many did', () => {
    const idle = fakeHost(2, 0);
    expect(secondsUntilPassed(ONE_VM, idle, 2)).toBe(1.5 * 100 * MARGIN);
    expect(secondsUntilPassed({ seconds: 100, vmsAtOnce: 2 }, idle, 2)).toBe(100 * MARGIN);
  });

  it('stretch the rest of a wait when the load rises during it', () => {
    const fake = fakeHost(2, 1.5);
    // Idle for the first 100 s, then load 6 (three times slower): 100 s counted, the other 100 take 300.
    const seconds = secondsUntilPassed(ONE_VM, fake, 1, (second) => (second <= 100 ? 1.5 : 6));
    expect(seconds).toBe(100 + 3 * (100 * MARGIN - 100));
  });

  it('never count a bigger host as faster than the reference one, and stop stretching at MAX_SLOWDOWN', () => {
    expect(secondsUntilPassed(ONE_VM, fakeHost(64, 0))).toBe(100 * MARGIN);
    const swamped = secondsUntilPassed(ONE_VM, fakeHost(2, 100));
    expect(swamped).toBe(MAX_SLOWDOWN * 100 * MARGIN);
    // A test made of waits outlasts them all, so a late step fails with its own message, not vitest's timeout.
    expect(testTimeoutMs(ONE_VM, ONE_VM)).toBeGreaterThan(2 * swamped * 1000);
  });

  it('wait longer on a host measured to run VMs slower, even when its load average says it is idle', () => {
    // A sandbox's load average may not see the VMs at all; the pace measured from a boot still does.
    expect(secondsUntilPassed(ONE_VM, fakeHost(2, 0.2, 2))).toBe(2 * 100 * MARGIN);
    // Three VMs where the figure had two: each gets two thirds of the CPU it had, at this host's pace.
    const twoVms: Expected = { seconds: 100, vmsAtOnce: 2 };
    expect(secondsUntilPassed(twoVms, fakeHost(2, 0.2, 2), 3)).toBe(3 * 100 * MARGIN);
    // Pace and load are two readings of one slowness: the larger counts, they do not multiply.
    expect(secondsUntilPassed(ONE_VM, fakeHost(2, 6, 2))).toBe(3 * 100 * MARGIN);
  });

  it('take the pace from a step measured here, between 1 and MAX_SLOWDOWN', () => {
    const boot: Expected = { seconds: 60, vmsAtOnce: 1 };
    expect(recordPace(126, boot)).toBeCloseTo(2.1);
    expect(thisHost().pace?.()).toBeCloseTo(2.1);
    expect(recordPace(30, boot)).toBe(1);
    expect(recordPace(6000, boot)).toBe(MAX_SLOWDOWN);
    recordPace(60, boot);
  });

  it('say what was late, what was expected and how busy the host was', async () => {
    const fake = fakeHost(2, 6);
    const deadline = startDeadline(
      'dhcpvm: boot',
      { seconds: 1, vmsAtOnce: 1 },
      { host: fake.host, now: fake.now },
    );
    const waiting = waitUntil(
      deadline,
      () => {
        fake.state.at += 1000;
        throw new Error('Connection refused');
      },
      { pollMs: 0, retryErrors: true },
    );
    await expect(waiting).rejects.toThrow(
      /^dhcpvm: boot took too long: expected 1 s on the reference host .* waited 6 s here with 1 VM\(s\) at work on 2 cores \(load now 6\.0, host pace ×1\.00, slowdown up to ×3\.00\), which counts as 2 s; last error: Error: Connection refused$/,
    );
  });

  it('return what the check found, and end at once on an error unless told to retry', async () => {
    const deadline = startDeadline('x', ONE_VM);
    let looks = 0;
    expect(await waitUntil(deadline, () => (++looks < 3 ? undefined : 'found'), { pollMs: 0 })).toBe('found');
    await expect(
      waitUntil(deadline, () => {
        throw new Error('the create failed first');
      }),
    ).rejects.toThrow('the create failed first');
  });
});
