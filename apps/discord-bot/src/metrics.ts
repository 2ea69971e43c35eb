// Per-route counters and timings, logged as one structured line per interval and at shutdown (and readable
// by tests and benchmarks). Routes are `server create`, `button server`, `autocomplete server name`, ...
import type { Logger } from 'pino';

interface RouteStats {
  count: number;
  outcomes: Record<string, number>;
  /** Time from receiving the interaction to Discord accepting the defer. */
  deferMsMax: number;
  totalMs: number;
}

export class Metrics {
  private readonly routes = new Map<string, RouteStats>();

  private stats(route: string): RouteStats {
    let stats = this.routes.get(route);
    if (!stats) {
      stats = { count: 0, outcomes: {}, deferMsMax: 0, totalMs: 0 };
      this.routes.set(route, stats);
    }
    return stats;
  }

  deferred(route: string, ms: number): void {
    const stats = this.stats(route);
    stats.deferMsMax = Math.max(stats.deferMsMax, ms);
  }

  finished(route: string, outcome: string, ms: number): void {
    const stats = this.stats(route);
    stats.count++;
    stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
    stats.totalMs += ms;
  }

  snapshot(): Record<string, RouteStats & { meanMs: number }> {
    const out: Record<string, RouteStats & { meanMs: number }> = {};
    for (const [route, s] of this.routes) {
      out[route] = {
        ...s,
        outcomes: { ...s.outcomes },
        meanMs: s.count ? Math.round(s.totalMs / s.count) : 0,
      };
    }
    return out;
  }

  log(logger: Logger): void {
    if (this.routes.size > 0) logger.info({ interactions: this.snapshot() }, 'interaction metrics');
  }
}
