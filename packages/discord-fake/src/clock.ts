// The fake's notion of "now". Discord's deadlines (3 s to answer, 15 min token life) are checked against it, so a
// test can jump past a deadline with `clock.advance(ms)` instead of sleeping.

export interface FakeClock {
  /** Milliseconds since the Unix epoch, as the fake sees it. */
  now(): number;
  /** Moves the fake's time forward (never backward). */
  advance(ms: number): void;
}

export function createClock(base: () => number = Date.now): FakeClock {
  let offset = 0;
  return {
    now: () => base() + offset,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`clock.advance: ${ms} is not a forward step`);
      offset += ms;
    },
  };
}
