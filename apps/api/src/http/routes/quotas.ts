import { snowflakeSchema } from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { requireAdmin } from '../../domain/admin.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { adminErrors, json, jsonBody } from '../openapi.js';

const scopeSchema = z.enum(['guild', 'user']);
const params = z.object({ scope: scopeSchema, id: snowflakeSchema });

/** A limit, or null to fall back to the configured default (QUOTA_GUILD_* / QUOTA_USER_*). */
const limit = (max: number) => z.number().int().min(0).max(max).nullable().optional();
const putQuotaSchema = z
  .object({ maxServers: limit(10_000), maxCores: limit(100_000), maxMemoryMiB: limit(100_000_000) })
  .strict();

const limitsSchema = z.object({
  maxServers: z.number().int(),
  maxCores: z.number().int(),
  maxMemoryMiB: z.number().int(),
});
const quotaSchema = z.object({
  scope: scopeSchema,
  id: z.string(),
  /** What is stored for this guild or user; null means the default applies. */
  override: z.object({
    maxServers: z.number().int().nullable(),
    maxCores: z.number().int().nullable(),
    maxMemoryMiB: z.number().int().nullable(),
  }),
  /** The limits in force. */
  effective: limitsSchema,
  /** What the guild's or user's live servers use now (failed ones do not count). */
  usage: z.object({ servers: z.number().int(), cores: z.number().int(), memoryMiB: z.number().int() }),
  updatedAt: z.string().nullable(),
});

/** Mounted at `/quotas`. */
export function quotaRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{scope}/{id}',
      summary: "A guild's or user's quota: override, limits in force and usage (admin)",
      request: { params },
      responses: { 200: json(quotaSchema, 'The quota'), ...adminErrors },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      const { scope, id } = c.req.valid('param');
      return c.json(deps.quotas.get(scope, id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/{scope}/{id}',
      summary: "Set a guild's or user's limits (admin); null or absent falls back to the default",
      request: {
        params,
        body: jsonBody(putQuotaSchema),
      },
      responses: { 200: json(quotaSchema, 'The quota now'), ...adminErrors },
    }),
    (c) => {
      const actor = c.get('actor');
      requireAdmin(actor);
      const { scope, id } = c.req.valid('param');
      return c.json(deps.quotas.set(scope, id, c.req.valid('json'), actor), 200);
    },
  );

  return app;
}
