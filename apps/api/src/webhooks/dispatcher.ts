// Delivers events to webhooks. Each active webhook has one loop that follows the events table from the
// webhook's cursor and sends one matching event at a time: the next is not sent before the previous one
// succeeded or was given up, so a receiver sees its events in order. Every attempt is a row in
// webhook_deliveries (written before the request goes out), so a restarted dispatcher carries on with the
// next attempt number and the same retry budget instead of starting over.
import type { GuildEvent } from '@guildserver/contracts';
import { pause } from '@guildserver/timing';
import { and, asc, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { webhookDeliveries, webhooks } from '../db/schema.js';
import { lastEventId, listEvents } from '../domain/events.js';
import { now } from '../domain/ids.js';
import { eventFeedFor } from '../observability/event-feed.js';
import {
  ATTEMPT_HEADER,
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  signPayload,
  TIMESTAMP_HEADER,
} from './signature.js';
import { decodeEventTypes, matches, type Subscription } from './subscription.js';

export interface DispatcherOptions {
  /** Attempts per event before it is given up (the first included). Default 8. */
  maxAttempts?: number;
  /** Wait before the 2nd attempt; doubles each time (±10 % jitter). Default 2 s. */
  retryBaseMs?: number;
  /** Longest wait between attempts. Default 10 min. */
  retryMaxMs?: number;
  /** Time allowed for the receiver's answer. Default 10 s. */
  timeoutMs?: number;
  /** How often the list of webhooks is re-read (new ones start, deleted ones stop). Default 5 s. */
  rescanMs?: number;
}

type WebhookRow = typeof webhooks.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

const BATCH = 200;
const USER_AGENT = 'GuildServer-Webhooks/1';

/** One sentence for the deliveries list; never the response body (it may echo anything). */
function failureSentence(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `The receiver did not answer within ${timeoutMs / 1000} s.`;
  }
  const cause = (error as { cause?: { code?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return code ? `Could not reach the receiver (${code}).` : 'Could not reach the receiver.';
}

export function startWebhookDispatcher(
  services: { db: Db; logger: Logger },
  options: DispatcherOptions = {},
): { close(): Promise<void> } {
  const { db } = services;
  const logger = services.logger.child({ component: 'webhooks' });
  const maxAttempts = options.maxAttempts ?? 8;
  const retryBaseMs = options.retryBaseMs ?? 2_000;
  const retryMaxMs = options.retryMaxMs ?? 600_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const rescanMs = options.rescanMs ?? 5_000;
  const feed = eventFeedFor(db);
  const stopAll = new AbortController();
  const loops = new Map<string, { stop: AbortController; done: Promise<void> }>();

  const backoff = (attempt: number) => {
    const base = Math.min(retryMaxMs, retryBaseMs * 2 ** (attempt - 1));
    return Math.round(base * (0.9 + Math.random() * 0.2));
  };

  const readHook = (id: string): WebhookRow | undefined =>
    db.select().from(webhooks).where(eq(webhooks.id, id)).get();

  const advance = (id: string, from: number, to: number) => {
    if (to > from) {
      db.update(webhooks)
        .set({ cursor: to })
        .where(and(eq(webhooks.id, id), eq(webhooks.cursor, from)))
        .run();
    }
  };

  async function post(hook: WebhookRow, event: GuildEvent, attempt: number, signal: AbortSignal) {
    const body = JSON.stringify(event);
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        [EVENT_HEADER]: event.type,
        [DELIVERY_HEADER]: `${hook.id}.${event.id}`,
        [ATTEMPT_HEADER]: String(attempt),
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signPayload(hook.secret, timestamp, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    await response.body?.cancel().catch(() => {});
    return response.status;
  }

  /**
   * One attempt (or the wait before it). `done`: the event succeeded or was given up, move on; `again`: call
   * once more for the next attempt.
   */
  async function deliver(
    hook: WebhookRow,
    event: GuildEvent,
    signal: AbortSignal,
  ): Promise<'done' | 'again'> {
    const where = and(eq(webhookDeliveries.webhookId, hook.id), eq(webhookDeliveries.eventId, event.id));
    const prior: DeliveryRow[] = db
      .select()
      .from(webhookDeliveries)
      .where(where)
      .orderBy(asc(webhookDeliveries.attempt))
      .all();
    if (prior.some((d) => d.state === 'succeeded' || d.state === 'gave_up')) return 'done';
    const last = prior.at(-1);
    if (last?.state === 'sending') {
      // Another dispatcher may be sending it now; after twice the time-out it was interrupted (a crash).
      const age = Date.now() - Date.parse(last.createdAt);
      if (age < 2 * timeoutMs) {
        await pause(2 * timeoutMs - age, signal);
        return 'again';
      }
      db.update(webhookDeliveries)
        .set({ state: 'failed', error: 'The attempt was interrupted (the dispatcher stopped).' })
        .where(
          and(where, eq(webhookDeliveries.attempt, last.attempt), eq(webhookDeliveries.state, 'sending')),
        )
        .run();
    }
    if (last?.nextAttemptAt) {
      const wait = Date.parse(last.nextAttemptAt) - Date.now();
      if (wait > 0) {
        await pause(wait, signal);
        return 'again';
      }
    }
    const attempt = (last?.attempt ?? 0) + 1;
    if (attempt > maxAttempts) {
      if (last)
        db.update(webhookDeliveries)
          .set({ state: 'gave_up', nextAttemptAt: null })
          .where(eq(webhookDeliveries.id, last.id))
          .run();
      return 'done';
    }
    const claimed = db
      .insert(webhookDeliveries)
      .values({ webhookId: hook.id, eventId: event.id, attempt, state: 'sending', createdAt: now() })
      .onConflictDoNothing()
      .returning({ id: webhookDeliveries.id })
      .get();
    if (!claimed) return 'again'; // someone else took this attempt number
    const row = eq(webhookDeliveries.id, claimed.id);

    let status: number | undefined;
    let error: string | undefined;
    try {
      status = await post(hook, event, attempt, signal);
      if (status < 200 || status > 299) error = `The receiver answered ${status}.`;
    } catch (thrown) {
      if (signal.aborted) {
        db.update(webhookDeliveries)
          .set({ state: 'failed', error: 'The dispatcher stopped during the attempt.' })
          .where(row)
          .run();
        return 'again';
      }
      error = failureSentence(thrown, timeoutMs);
    }
    if (error === undefined) {
      db.update(webhookDeliveries)
        .set({ state: 'succeeded', responseStatus: status ?? null, deliveredAt: now() })
        .where(row)
        .run();
      return 'done';
    }
    const log = { webhookId: hook.id, eventId: event.id, attempt, status, error };
    if (attempt >= maxAttempts) {
      db.update(webhookDeliveries)
        .set({ state: 'gave_up', responseStatus: status ?? null, error })
        .where(row)
        .run();
      logger.warn(log, 'webhook delivery given up');
      return 'done';
    }
    const wait = backoff(attempt);
    db.update(webhookDeliveries)
      .set({
        state: 'failed',
        responseStatus: status ?? null,
        error,
        nextAttemptAt: new Date(Date.now() + wait).toISOString(),
      })
      .where(row)
      .run();
    logger.info({ ...log, retryInMs: wait }, 'webhook delivery failed; will retry');
    await pause(wait, signal);
    return 'again';
  }

  async function follow(id: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const hook = readHook(id);
      if (!hook?.active) return;
      const subscription: Subscription = {
        eventTypes: decodeEventTypes(hook.eventTypes),
        guildId: hook.guildId,
      };
      const newest = lastEventId(db);
      const batch = listEvents(db, hook.cursor, BATCH, hook.guildId ? { guildId: hook.guildId } : {});
      const next = batch.find((event) => matches(subscription, event));
      if (next) {
        advance(id, hook.cursor, next.id - 1);
        if ((await deliver({ ...hook, cursor: next.id - 1 }, next, signal)) === 'done')
          advance(id, next.id - 1, next.id);
        continue;
      }
      // Nothing for this webhook up to the end of the batch (or, after a short batch, up to `newest`).
      const upTo = batch.length === BATCH ? batch.at(-1)!.id : Math.max(newest, hook.cursor);
      advance(id, hook.cursor, upTo);
      if (batch.length === BATCH) continue;
      await feed.wait(upTo, 30_000, signal);
    }
  }

  const supervise = () => {
    if (stopAll.signal.aborted) return;
    let active: string[];
    try {
      active = db
        .select({ id: webhooks.id })
        .from(webhooks)
        .where(eq(webhooks.active, true))
        .all()
        .map((r) => r.id);
    } catch (error) {
      logger.warn({ err: error }, 'webhook list could not be read');
      return;
    }
    for (const [id, loop] of loops) if (!active.includes(id)) loop.stop.abort();
    for (const id of active) {
      if (loops.has(id)) continue;
      const stop = new AbortController();
      const signal = AbortSignal.any([stopAll.signal, stop.signal]);
      const done = follow(id, signal)
        .catch((error: unknown) => {
          if (!signal.aborted)
            logger.error({ err: error, webhookId: id }, 'webhook delivery loop failed; restarting it');
        })
        .finally(() => loops.delete(id));
      loops.set(id, { stop, done });
    }
  };

  supervise();
  const timer = setInterval(supervise, rescanMs);
  timer.unref();
  return {
    close: async () => {
      clearInterval(timer);
      stopAll.abort();
      await Promise.all([...loops.values()].map((loop) => loop.done));
    },
  };
}
