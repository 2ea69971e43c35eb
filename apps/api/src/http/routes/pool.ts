import { poolStatusSchema } from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { requireAdmin } from '../../domain/admin.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { adminErrors, errorResponses, json } from '../openapi.js';

/** Mounted at `/pool`. */
export function poolRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary:
        'The warm pool (admin): per game, the spare VMs WARM_POOL asks for, those ready and being made, and the image they come from',
      responses: {
        200: json(poolStatusSchema, 'The pool'),
        ...adminErrors,
        ...errorResponses({ 502: 'Proxmox refused the token', 503: 'Proxmox could not be asked' }),
      },
    }),
    async (c) => {
      requireAdmin(c.get('actor'));
      return c.json(await deps.pool.status(), 200);
    },
  );
  return app;
}
