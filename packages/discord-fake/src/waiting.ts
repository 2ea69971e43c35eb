// Waiting for the fake's state to reach what a test expects, re-checked on every change (and every 25 ms, for
// conditions that depend on the clock).
import type { EventEmitter } from 'node:events';

export function waitUntil<T>(
  emitter: EventEmitter,
  check: () => T | undefined | null | false,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      emitter.off('change', probe);
      clearInterval(poll);
      clearTimeout(timer);
      fn();
    };
    const probe = () => {
      try {
        const value = check();
        if (value !== undefined && value !== null && value !== false) finish(() => resolve(value));
      } catch (error) {
        finish(() => reject(error));
      }
    };
    emitter.on('change', probe);
    const poll = setInterval(probe, 25);
    const timer = setTimeout(
      () =>
        finish(() => reject(new Error(`discord-fake: timed out after ${timeoutMs} ms waiting for ${what}`))),
      timeoutMs,
    );
    probe();
  });
}
