import { eventTypeSchema, snowflakeSchema } from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { webhookDeliveries, webhooks } from '../../db/schema.js';
import { DomainError } from '../../domain/errors.js';
import { lastEventId } from '../../domain/events.js';
import { newWebhookId, now } from '../../domain/ids.js';
import { generateSecret } from '../../webhooks/signature.js';
import { decodeEventTypes, encodeEventTypes } from '../../webhooks/subscription.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { adminErrors, auditAdmin, requireAdmin } from './tokens.js';

const createWebhookSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2048),
  /** Signs each delivery; at least 16 characters. Leave it out to get a generated one (shown once). */
  secret: z.string().min(16).max(256).optional(),
  /** Event types to receive, or `*` for all. */
  eventTypes: z.union([z.literal('*'), z.array(eventTypeSchema).min(1)]).default('*'),
  /** Only this guild's events. */
  guildId: snowflakeSchema.optional(),
});

const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  eventTypes: z.union([z.literal('*'), z.array(eventTypeSchema)]),
  guildId: z.string().nullable(),
  /** The last event this webhook is done with (delivered, given up, or not matching). */
  cursor: z.number().int(),
  createdAt: z.string(),
});
const createdWebhookSchema = webhookSchema.extend({
  /** Shown in this answer only. */
  secret: z.string(),
});

const deliverySchema = z.object({
  id: z.number().int(),
  eventId: z.number().int(),
  attempt: z.number().int(),
  /** `sending`, `succeeded`, `failed` (another attempt follows) or `gave_up`. */
  state: z.string(),
  responseStatus: z.number().int().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
});

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const idParam = z.object({ id: z.string() });

type WebhookRow = typeof webhooks.$inferSelect;
const view = (row: WebhookRow) => ({
  id: row.id,
  url: row.url,
  eventTypes: decodeEventTypes(row.eventTypes),
  guildId: row.guildId,
  cursor: row.cursor,
  createdAt: row.createdAt,
});

/** Admin routes for webhooks; the dispatcher (webhooks/dispatcher.ts) does the sending. */
export function webhookRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const activeHook = (id: string) => {
    const row = deps.db.select().from(webhooks).where(eq(webhooks.id, id)).get();
    if (!row?.active) throw new DomainError('not_found', `There is no webhook with id ${id}.`);
    return row;
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks',
      summary: 'Register a webhook (admin): events after now are POSTed to it, signed with its secret',
      request: { body: { content: { 'application/json': { schema: createWebhookSchema } }, required: true } },
      responses: {
        201: json(createdWebhookSchema, 'The webhook, with its secret shown only this once'),
        ...adminErrors,
      },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      const input = c.req.valid('json');
      const secret = input.secret ?? generateSecret();
      const row = deps.db
        .insert(webhooks)
        .values({
          id: newWebhookId(),
          url: input.url,
          secret,
          eventTypes: encodeEventTypes(input.eventTypes === '*' ? '*' : [...new Set(input.eventTypes)]),
          guildId: input.guildId ?? null,
          active: true,
          // Starts with the events that come after its registration.
          cursor: lastEventId(deps.db),
          createdAt: now(),
        })
        .returning()
        .get();
      auditAdmin(deps.db, c.get('actor'), 'webhook.create', { webhookId: row.id, url: row.url }, row.guildId);
      deps.logger.info({ webhookId: row.id, url: row.url, by: c.get('actor').tokenId }, 'webhook registered');
      c.header('cache-control', 'no-store');
      return c.json({ ...view(row), secret }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks',
      summary: 'List webhooks (admin); never their secrets',
      responses: {
        200: json(z.object({ webhooks: z.array(webhookSchema) }), 'Every active webhook'),
        ...adminErrors,
      },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      const rows = deps.db.select().from(webhooks).where(eq(webhooks.active, true)).all();
      return c.json({ webhooks: rows.map(view) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/webhooks/{id}',
      summary: 'Remove a webhook (admin); its delivery history is kept',
      request: { params: idParam },
      responses: { 200: json(webhookSchema, 'The removed webhook'), ...adminErrors },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      const row = activeHook(c.req.valid('param').id);
      deps.db.update(webhooks).set({ active: false }).where(eq(webhooks.id, row.id)).run();
      auditAdmin(deps.db, c.get('actor'), 'webhook.delete', { webhookId: row.id, url: row.url }, row.guildId);
      deps.logger.info({ webhookId: row.id, by: c.get('actor').tokenId }, 'webhook removed');
      return c.json(view(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/{id}/deliveries',
      summary: "A webhook's delivery attempts, newest first (admin)",
      request: {
        params: idParam,
        query: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(100),
          eventId: z.coerce.number().int().min(1).optional(),
        }),
      },
      responses: {
        200: json(z.object({ deliveries: z.array(deliverySchema) }), 'Delivery attempts'),
        ...adminErrors,
      },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      const row = activeHook(c.req.valid('param').id);
      const { limit, eventId } = c.req.valid('query');
      const rows = deps.db
        .select()
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.webhookId, row.id),
            eventId === undefined ? undefined : eq(webhookDeliveries.eventId, eventId),
          ),
        )
        .orderBy(desc(webhookDeliveries.id))
        .limit(limit)
        .all();
      return c.json({ deliveries: rows.map(({ webhookId: _, ...rest }) => rest) }, 200);
    },
  );

  return app;
}
