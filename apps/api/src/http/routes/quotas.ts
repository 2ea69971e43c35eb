import { snowflakeSchema } from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { quotas, servers } from '../../db/schema.js';
import { now } from '../../domain/ids.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { adminErrors, auditAdmin, requireAdmin } from './tokens.js';

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

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export function quotaRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  const view = (scope: 'guild' | 'user', id: string) => {
    const row = deps.db
      .select()
      .from(quotas)
      .where(and(eq(quotas.scope, scope), eq(quotas.subjectId, id)))
      .get();
    const defaults = deps.config.quotas[scope];
    const column = scope === 'guild' ? servers.guildId : servers.ownerId;
    const usage = deps.db
      .select({
        servers: sql<number>`count(*)`,
        cores: sql<number>`coalesce(sum(${servers.cores}), 0)`,
        memoryMiB: sql<number>`coalesce(sum(${servers.memoryMiB}), 0)`,
      })
      .from(servers)
      .where(and(eq(column, id), isNull(servers.deletedAt), ne(servers.state, 'failed')))
      .get() ?? { servers: 0, cores: 0, memoryMiB: 0 };
    const override = {
      maxServers: row?.maxServers ?? null,
      maxCores: row?.maxCores ?? null,
      maxMemoryMiB: row?.maxMemoryMiB ?? null,
    };
    return {
      scope,
      id,
      override,
      effective: {
        maxServers: override.maxServers ?? defaults.servers,
        maxCores: override.maxCores ?? defaults.cores,
        maxMemoryMiB: override.maxMemoryMiB ?? defaults.memoryMiB,
      },
      usage,
      updatedAt: row?.updatedAt ?? null,
    };
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/quotas/{scope}/{id}',
      summary: "A guild's or user's quota: override, limits in force and usage (admin)",
      request: { params },
      responses: { 200: json(quotaSchema, 'The quota'), ...adminErrors },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      const { scope, id } = c.req.valid('param');
      return c.json(view(scope, id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/quotas/{scope}/{id}',
      summary: "Set a guild's or user's limits (admin); null or absent falls back to the default",
      request: {
        params,
        body: { content: { 'application/json': { schema: putQuotaSchema } }, required: true },
      },
      responses: { 200: json(quotaSchema, 'The quota now'), ...adminErrors },
    }),
    (c) => {
      const actor = c.get('actor');
      requireAdmin(actor);
      const { scope, id } = c.req.valid('param');
      const body = c.req.valid('json');
      const values = {
        maxServers: body.maxServers ?? null,
        maxCores: body.maxCores ?? null,
        maxMemoryMiB: body.maxMemoryMiB ?? null,
        updatedAt: now(),
      };
      deps.db
        .insert(quotas)
        .values({ scope, subjectId: id, ...values })
        .onConflictDoUpdate({ target: [quotas.scope, quotas.subjectId], set: values })
        .run();
      auditAdmin(
        deps.db,
        actor,
        'quota.set',
        { scope, subjectId: id, ...values },
        scope === 'guild' ? id : null,
      );
      deps.logger.info({ scope, subjectId: id, ...values, by: actor.tokenId }, 'quota set');
      return c.json(view(scope, id), 200);
    },
  );

  return app;
}
