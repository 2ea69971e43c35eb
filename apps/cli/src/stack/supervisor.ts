// Keeps one of the local stack's children running: when it stops on its own (a crash, a kill), what is left of
// its process group is stopped and it is started again after a back-off, saying so. A child that keeps dying
// straight after its start is given up on, and the stack stops with why.
import { CliError } from '../errors.js';
import type { ApiProcess } from './api-process.js';

export interface SuperviseOptions {
  /** Capitalised, for sentences: "The API", "The Discord bot". */
  label: string;
  /** Starts a new copy of the child. */
  spawn: () => ApiProcess;
  /** Resolves once a restarted copy serves again (rejects if it does not). */
  ready?: (child: ApiProcess) => Promise<void>;
  /** Where its log is, as shown to the user. */
  log: string;
  say: (line: string) => void;
  /** Each copy's process id, the first one included (for the stack's state file). */
  onSpawned?: (child: ApiProcess) => void;
  /** The first wait before a restart; it doubles with each crash in a row, up to maxDelayMs. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** A copy that ran this long was healthy: the back-off starts over. */
  healthyAfterMs?: number;
  /** Crashes in a row (each before healthyAfterMs) after which it is given up. */
  maxCrashes?: number;
}

export interface Supervised {
  /** The copy running now. */
  current(): ApiProcess;
  /** Rejects with one sentence when the child kept crashing and was given up. */
  gaveUp: Promise<never>;
  /** No more restarts; stops the copy running now. */
  stop(deadlineMs?: number): Promise<void>;
  /** Last resort, synchronous. */
  kill(): void;
}

/** Supervises `first`, a copy of the child that already started (and was found ready). */
export function supervise(first: ApiProcess, options: SuperviseOptions): Supervised {
  const firstDelayMs = options.firstDelayMs ?? 1_000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const healthyAfterMs = options.healthyAfterMs ?? 60_000;
  const maxCrashes = options.maxCrashes ?? 5;
  let child = first;
  let startedAt = Date.now();
  let crashes = 0;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let giveUp: (error: CliError) => void = () => {};
  const gaveUp = new Promise<never>((_, reject) => {
    giveUp = reject;
  });
  gaveUp.catch(() => {});

  const reason = (copy: ApiProcess, how: string) => {
    const why = copy.lastSentence();
    return `${options.label} stopped (${how})${why ? `: ${why.replace(/[.:]?$/, '')}` : ''}`;
  };

  const watch = (copy: ApiProcess) => {
    options.onSpawned?.(copy);
    void copy.exited.then(async (how) => {
      if (stopping) return;
      crashes = Date.now() - startedAt >= healthyAfterMs ? 1 : crashes + 1;
      // Whatever it started in its group (the API's redis-server) goes with it before a new copy starts.
      await copy.stop(1_000);
      if (stopping) return;
      if (crashes > maxCrashes) {
        giveUp(
          new CliError(
            `${reason(copy, how)}, ${maxCrashes} times in a row right after starting, so it is not restarted again; see ${options.log}.`,
            'stack_failed',
          ),
        );
        return;
      }
      const delayMs = Math.min(firstDelayMs * 2 ** (crashes - 1), maxDelayMs);
      options.say(
        `${reason(copy, how)}; restarting it in ${delayMs / 1000} s (crash ${crashes} in a row; see ${options.log}).`,
      );
      timer = setTimeout(() => restart(delayMs), delayMs);
    });
  };

  const restart = (afterMs: number) => {
    if (stopping) return;
    child = options.spawn();
    startedAt = Date.now();
    watch(child);
    const copy = child;
    void (options.ready ? options.ready(copy) : Promise.resolve()).then(
      () => {
        if (!stopping && copy === child)
          options.say(`${options.label} is running again (restarted after ${afterMs / 1000} s).`);
      },
      () => {
        // It did not come up: its exit (if any) is handled by watch; one still hanging is stopped so it is.
        if (!stopping && copy === child) copy.kill();
      },
    );
  };

  watch(first);
  return {
    current: () => child,
    gaveUp,
    async stop(deadlineMs) {
      stopping = true;
      clearTimeout(timer);
      await child.stop(deadlineMs);
    },
    kill: () => child.kill(),
  };
}
