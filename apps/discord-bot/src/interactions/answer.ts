// The one path every interaction takes: defer → who asks → the handler → metrics, and on failure one plain
// sentence to the user. The router says only what differs per kind (how to defer, run and fail).
import type { BaseInteraction } from 'discord.js';
import type { Asker, BotServices } from '../core/services.js';
import type { Metrics } from '../metrics.js';
import { sentenceFor, type Wording } from '../rendering/sentences.js';
import { askerOf } from './asker.js';

export interface Answering {
  /** The metrics route: `server create`, `button server`, `autocomplete server name`, ... */
  route: string;
  /** Acknowledges the interaction before any API call; absent where Discord allows no defer (autocomplete). */
  defer?: () => Promise<unknown>;
  /** The work, for who asks; resolves to the outcome counted (`ok`, autocomplete `late`, ...). */
  run: (asker: Asker) => Promise<string>;
  /** Says the failure to the user. */
  fail: (sentence: string) => Promise<unknown>;
  /** The bot's words for refusals of this kind of request (backups), where the API's would not fit. */
  wording?: Wording | undefined;
}

export type Answer = (
  interaction: BaseInteraction,
  receivedAt: number,
  answering: Answering,
) => Promise<void>;

export function createAnswer(services: BotServices, metrics: Metrics): Answer {
  const { logger, now } = services;

  return async function answer(interaction, receivedAt, { route, defer, run, fail, wording }) {
    if (defer) {
      await defer();
      metrics.deferred(route, now() - receivedAt);
    }
    try {
      const outcome = await run(askerOf(interaction, services, receivedAt));
      metrics.finished(route, outcome, now() - receivedAt);
    } catch (error) {
      const expected = isExpected(error);
      if (expected) {
        const code = (error as { code?: unknown }).code;
        logger.info({ route, code, msg: (error as Error).message }, 'interaction refused');
      } else logger.error({ route, err: error }, 'interaction failed');
      metrics.finished(route, expected ? 'refused' : 'error', now() - receivedAt);
      await fail(sentenceFor(error, wording));
    }
  };
}

/** The API's refusals and the bot's own: said to the user, logged as info. */
function isExpected(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ApiError' || error.name === 'BotError');
}
