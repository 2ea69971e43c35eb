import { eventTypeSchema, snowflakeSchema } from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { requireAdmin } from '../../domain/admin.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { adminErrors, json, jsonBody } from '../openapi.js';

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

const idParam = z.object({ id: z.string() });

/** Admin routes for webhooks, mounted at `/webhooks`. */
export function webhookRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      summary: 'Register a webhook (admin): events after now are POSTed to it, signed with its secret',
      request: { body: jsonBody(createWebhookSchema) },
      responses: {
        201: json(createdWebhookSchema, 'The webhook, with its secret shown only this once'),
        ...adminErrors,
      },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      const created = deps.webhooks.create(c.req.valid('json'), c.get('actor'));
      c.header('cache-control', 'no-store');
      return c.json(created, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary: 'List webhooks (admin); never their secrets',
      responses: {
        200: json(z.object({ webhooks: z.array(webhookSchema) }), 'Every active webhook'),
        ...adminErrors,
      },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      return c.json({ webhooks: deps.webhooks.list() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      summary: 'Remove a webhook (admin); its delivery history is kept',
      request: { params: idParam },
      responses: { 200: json(webhookSchema, 'The removed webhook'), ...adminErrors },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      return c.json(deps.webhooks.remove(c.req.valid('param').id, c.get('actor')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/deliveries',
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
      const deliveries = deps.webhooks.deliveries(c.req.valid('param').id, c.req.valid('query'));
      return c.json({ deliveries }, 200);
    },
  );

  return app;
}
