// The asleep holder's two rate limits. A UDP reply goes to whatever address the datagram claims, so a spoofer
// could aim the edge's status replies at someone else (amplification): replies per source are limited. A client
// resends its connect packet several times a second: a server is asked to wake at most once per interval.

/** At most `perSecond` replies per source address per second; beyond it, replies are dropped. */
export class ReplyBudget {
  /** Per source: the start of its current one-second window and the replies sent in it (oldest first). */
  private readonly windows = new Map<string, { start: number; sent: number }>();

  constructor(
    private readonly perSecond: number,
    /** Sources remembered at most; the least recently seen is forgotten first. */
    private readonly maxSources: number,
    private readonly now: () => number,
  ) {}

  /** Whether one more reply may go to `source` now (and counts it when it may). */
  take(source: string): boolean {
    const at = this.now();
    let window = this.windows.get(source);
    this.windows.delete(source);
    if (window === undefined || at - window.start >= 1_000) window = { start: at, sent: 0 };
    this.windows.set(source, window);
    if (this.windows.size > this.maxSources) {
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) this.windows.delete(oldest);
    }
    if (window.sent >= this.perSecond) return false;
    window.sent++;
    return true;
  }
}

/** Lets one event per key through per interval. */
export class OncePerInterval {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** True when `key` had no event in the last interval (and records this one). */
  take(key: string): boolean {
    const at = this.now();
    const previous = this.last.get(key);
    if (previous !== undefined && at - previous < this.intervalMs) return false;
    this.last.set(key, at);
    // Keys whose interval is over are forgotten, so the map holds only recent ones.
    for (const [other, when] of this.last) if (at - when >= this.intervalMs) this.last.delete(other);
    return true;
  }
}
