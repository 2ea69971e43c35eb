// Deadlines for the lab's slow steps that follow this host's pace instead of one fixed number. Each step has an
// expected time measured on the reference host (the development VM of packages/lab/README.md: 2 cores, TCG,
// nothing else running). A deadline counts in that host's seconds: every real second counts as 1/slowdown, the
// slowdown read from this host's cores and load while the wait goes on, and from the pace this host was last
// measured to run a lab VM at (`recordPace`). A busy or slow host waits longer; an idle one still gives up on a
// hung step after MARGIN times its expected time.
import { availableParallelism, loadavg } from 'node:os';
import { sleep } from '@guildserver/timing';

/** How long a step took on the reference host. */
export interface Expected {
  seconds: number;
  /** VMs at work at once when it was measured (sharing the reference host's cores). */
  vmsAtOnce: number;
  /** What the product itself allows on top of the measured time (a game's `readyWithinSeconds`); not multiplied. */
  allowanceSeconds?: number;
}

export const REFERENCE_CORES = 2;
/**
 * Host cores one working lab VM keeps busy, with the host-side work that feeds it (QEMU translating under TCG,
 * Ansible and SSH): on the reference host two VMs at once took about 1.5 times as long as one alone.
 */
export const CORES_PER_BUSY_VM = 1.5;
/** A step may take this many times its expected time (at this host's pace) before it counts as hung. */
export const MARGIN = 2;
/** The slowdown counted stops growing here (a host this busy is too busy for the lab); it bounds every wait. */
export const MAX_SLOWDOWN = 4;

export interface Host {
  cores: number;
  /** Runnable tasks averaged over the last minute (the load average). */
  load(): number;
  /**
   * How many times slower than the reference host this host ran a lab VM with the CPU to itself, when last
   * measured (≥ 1; 1 until measured). The load average cannot tell a slower CPU, or one shared with other
   * machines, from the reference host's: a sandbox may even report a load of 0.2 with two VMs busy.
   */
  pace?(): number;
}

let measuredPace = 1;

/**
 * Records this host's pace from a step measured here that has a reference figure (a VM's boot to its guest
 * agent's address is a good one: all guest CPU, no network wait), for every later deadline of this process.
 * Returns the pace, between 1 and MAX_SLOWDOWN.
 */
export function recordPace(measuredSeconds: number, expected: Expected): number {
  measuredPace = Math.min(MAX_SLOWDOWN, Math.max(1, measuredSeconds / expected.seconds));
  return measuredPace;
}

export function thisHost(): Host {
  return { cores: availableParallelism(), load: () => loadavg()[0] ?? 0, pace: () => measuredPace };
}

/**
 * How many times slower than when `expected` was measured a step runs here now, with `busyVms` lab VMs at work:
 * the CPU they and everything else want (the load average, which counts them too once they run) over this
 * host's cores, against the same ratio on the reference host; or, when larger, this host's measured pace times
 * the share of the CPU each of those VMs gets. Never below 1: the figures are TCG's on one CPU model, and a
 * bigger or KVM host is not assumed to be faster than that.
 */
export function slowdown(expected: Expected, busyVms: number, host: Host): number {
  const stretch = (demand: number, cores: number) => Math.max(1, demand / cores);
  const then = stretch(expected.vmsAtOnce * CORES_PER_BUSY_VM, REFERENCE_CORES);
  const byLoad = stretch(Math.max(busyVms * CORES_PER_BUSY_VM, host.load()), host.cores) / then;
  const byPace = ((host.pace?.() ?? 1) * stretch(busyVms * CORES_PER_BUSY_VM, host.cores)) / then;
  return Math.min(MAX_SLOWDOWN, Math.max(1, byLoad, byPace));
}

/** Reference-host seconds a step may use before it counts as hung. */
export function budgetSeconds(expected: Expected): number {
  return expected.seconds * MARGIN + (expected.allowanceSeconds ?? 0);
}

/** The longest a wait for `expected` can last in real time: its budget at MAX_SLOWDOWN. */
export function ceilingMs(expected: Expected): number {
  return budgetSeconds(expected) * MAX_SLOWDOWN * 1000;
}

/**
 * A test timeout for a test made of these waits one after the other: their ceilings plus a minute for the rest,
 * so the waits' own deadlines, whose messages say what was late, always fire first.
 */
export function testTimeoutMs(...waits: Expected[]): number {
  return waits.reduce((sum, expected) => sum + ceilingMs(expected), 60_000);
}

export interface Deadline {
  /** Counts the real time since the last look at the current slowdown; true once the budget is spent. */
  passed(): boolean;
  /** What was expected and how long was waited, for a failure's message. */
  describe(): string;
  /** Seconds counted so far (real seconds at the reference host's pace): a step's time, comparable across hosts. */
  counted(): number;
}

export interface DeadlineOptions {
  /** Lab VMs at work during the wait. Default: as many as when `expected` was measured. */
  busyVms?: number;
  host?: Host;
  now?: () => number;
}

/** Starts counting now. */
export function startDeadline(what: string, expected: Expected, options: DeadlineOptions = {}): Deadline {
  const host = options.host ?? thisHost();
  const now = options.now ?? Date.now;
  const busyVms = options.busyVms ?? expected.vmsAtOnce;
  const budget = budgetSeconds(expected);
  const started = now();
  let last = started;
  let counted = 0;
  let worst = 1;
  const look = () => {
    const at = now();
    const factor = slowdown(expected, busyVms, host);
    worst = Math.max(worst, factor);
    counted += (at - last) / 1000 / factor;
    last = at;
    return counted >= budget - 1e-6; // the sum of many small fractions falls just short of a whole
  };
  return {
    passed: look,
    counted() {
      look();
      return counted;
    },
    describe() {
      const real = Math.round((last - started) / 1000);
      const allowance = expected.allowanceSeconds ? ` + ${expected.allowanceSeconds} s allowed` : '';
      return (
        `${what} took too long: expected ${expected.seconds} s on the reference host (${REFERENCE_CORES} cores, ` +
        `TCG, ${expected.vmsAtOnce} VM(s) at once), budget ${MARGIN} × ${expected.seconds} s${allowance} = ${budget} s; waited ${real} s ` +
        `here with ${busyVms} VM(s) at work on ${host.cores} cores (load now ${host.load().toFixed(1)}, ` +
        `host pace ×${(host.pace?.() ?? 1).toFixed(2)}, ` +
        `slowdown up to ×${worst.toFixed(2)}), which counts as ${Math.round(counted)} s`
      );
    },
  };
}

export interface WaitOptions {
  /** Between looks. Default 1 s. */
  pollMs?: number;
  /**
   * Count a throw from `check` as "not yet" (a guest that refuses connections is still booting); the last error
   * is in the message when the deadline passes. Default: a throw ends the wait.
   */
  retryErrors?: boolean;
}

/** Calls `check` until it returns something other than undefined, and returns that. */
export async function waitUntil<T>(
  deadline: Deadline,
  check: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions = {},
): Promise<T> {
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      if (!options.retryErrors) throw error;
      lastError = error;
    }
    if (deadline.passed()) {
      const why = lastError === undefined ? '' : `; last error: ${String(lastError)}`;
      throw new Error(`${deadline.describe()}${why}`);
    }
    await sleep(options.pollMs ?? 1000);
  }
}
