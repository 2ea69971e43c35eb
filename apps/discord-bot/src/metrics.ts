// Prometheus metrics of the bot, as the API has them: interactions per route (`server create`, `button server`,
// `autocomplete server name`, ...) and outcome, how long Discord waited for the defer (it allows 3 s) and for
// the whole answer, and the notices delivered. Served on BOT_METRICS_PORT (metrics-server.ts) and summed up in
// one log line per interval and at stop.
import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DeliveredCounts } from './notices/delivered.js';

const SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  private readonly interactions = new Counter({
    name: 'guildserver_bot_interactions_total',
    help: 'Interactions answered, by route and outcome (ok, refused, error, late, ...)',
    labelNames: ['route', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly deferSeconds = new Histogram({
    name: 'guildserver_bot_defer_seconds',
    help: 'From receiving the interaction to Discord accepting the defer, by route',
    labelNames: ['route'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly answerSeconds = new Histogram({
    name: 'guildserver_bot_interaction_seconds',
    help: 'From receiving the interaction to the answer, by route',
    labelNames: ['route'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  /** `delivered` is read at each scrape: the notices delivered since start, by way. */
  constructor(delivered: () => DeliveredCounts, options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics)
      collectDefaultMetrics({ register: this.registry, prefix: 'guildserver_bot_' });
    new Gauge({
      name: 'guildserver_bot_notices_delivered',
      help: 'Notices delivered since start, by way (interaction edits, channel posts, DMs, closed DMs, failures)',
      labelNames: ['way'] as const,
      registers: [this.registry],
      collect() {
        for (const [way, count] of Object.entries(delivered())) this.set({ way }, count);
      },
    });
  }

  deferred(route: string, ms: number): void {
    this.deferSeconds.observe({ route }, ms / 1000);
  }

  finished(route: string, outcome: string, ms: number): void {
    this.interactions.inc({ route, outcome });
    this.answerSeconds.observe({ route }, ms / 1000);
  }

  /** Interactions by route and outcome since start. */
  async counts(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const { labels, value } of (await this.interactions.get()).values) {
      const route = String(labels.route);
      out[route] = { ...out[route], [String(labels.outcome)]: value };
    }
    return out;
  }

  async log(logger: Logger): Promise<void> {
    const interactions = await this.counts();
    if (Object.keys(interactions).length > 0) logger.info({ interactions }, 'interaction metrics');
  }
}
