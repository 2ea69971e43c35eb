import { capacitySchema } from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { requireAdmin } from '../../domain/admin.js';
import { capacityByNode } from '../../domain/capacity.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { adminErrors, json } from '../openapi.js';

/** Mounted at `/capacity`. */
export function capacityRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary:
        'Per node (admin): the cores and memory held by servers that are up, and what sleeping and stopped servers gave back',
      responses: { 200: json(capacitySchema, 'Per node'), ...adminErrors },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      return c.json(capacityByNode(deps.db), 200);
    },
  );
  return app;
}
