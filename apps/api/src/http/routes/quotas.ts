import { putQuotaSchema, quotaParamsSchema, quotaSchema } from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { requireAdmin } from '../../domain/admin.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { adminErrors, json, jsonBody } from '../openapi.js';

/** Mounted at `/quotas`. */
export function quotaRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{scope}/{id}',
      summary: "A guild's or user's quota: override, limits in force and usage (admin)",
      request: { params: quotaParamsSchema },
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
        params: quotaParamsSchema,
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
