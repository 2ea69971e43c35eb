import type { EventType } from '@guildserver/contracts';
import { and, desc, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { webhookDeliveries, webhooks } from '../db/schema.js';
import { generateSecret } from '../webhooks/signature.js';
import { decodeEventTypes, encodeEventTypes } from '../webhooks/subscription.js';
import type { Actor } from './actor.js';
import { auditAdmin } from './admin.js';
import { DomainError } from './errors.js';
import { lastEventId } from './events.js';
import { newWebhookId, now } from './ids.js';

export interface NewWebhook {
  url: string;
  /** Generated when absent. */
  secret?: string | undefined;
  eventTypes: '*' | EventType[];
  guildId?: string | undefined;
}

type WebhookRow = typeof webhooks.$inferSelect;
const view = (row: WebhookRow) => ({
  id: row.id,
  url: row.url,
  eventTypes: decodeEventTypes(row.eventTypes),
  guildId: row.guildId,
  cursor: row.cursor,
  createdAt: row.createdAt,
});

/** Webhooks as the admin manages them; the dispatcher (webhooks/dispatcher.ts) does the sending. */
export function createWebhookService(db: Db, logger: Logger) {
  const activeHook = (id: string) => {
    const row = db.select().from(webhooks).where(eq(webhooks.id, id)).get();
    if (!row?.active) throw new DomainError('not_found', `There is no webhook with id ${id}.`);
    return row;
  };

  return {
    /** The new webhook with its secret, which is shown this once. */
    create(input: NewWebhook, actor: Actor) {
      const secret = input.secret ?? generateSecret();
      const row = db
        .insert(webhooks)
        .values({
          id: newWebhookId(),
          url: input.url,
          secret,
          eventTypes: encodeEventTypes(input.eventTypes === '*' ? '*' : [...new Set(input.eventTypes)]),
          guildId: input.guildId ?? null,
          active: true,
          // Starts with the events that come after its registration.
          cursor: lastEventId(db),
          createdAt: now(),
        })
        .returning()
        .get();
      auditAdmin(db, actor, 'webhook.create', { webhookId: row.id, url: row.url }, row.guildId);
      logger.info({ webhookId: row.id, url: row.url, by: actor.tokenId }, 'webhook registered');
      return { ...view(row), secret };
    },

    list: () => db.select().from(webhooks).where(eq(webhooks.active, true)).all().map(view),

    /** Deactivates it; its delivery history is kept. */
    remove(id: string, actor: Actor) {
      const row = activeHook(id);
      db.update(webhooks).set({ active: false }).where(eq(webhooks.id, row.id)).run();
      auditAdmin(db, actor, 'webhook.delete', { webhookId: row.id, url: row.url }, row.guildId);
      logger.info({ webhookId: row.id, by: actor.tokenId }, 'webhook removed');
      return view(row);
    },

    /** An active webhook's delivery attempts, newest first. */
    deliveries(id: string, query: { limit: number; eventId?: number | undefined }) {
      const row = activeHook(id);
      return db
        .select()
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.webhookId, row.id),
            query.eventId === undefined ? undefined : eq(webhookDeliveries.eventId, query.eventId),
          ),
        )
        .orderBy(desc(webhookDeliveries.id))
        .limit(query.limit)
        .all()
        .map(({ webhookId: _, ...rest }) => rest);
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
