import { imageListSchema } from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { requireAdmin } from '../../domain/admin.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { adminErrors, errorResponses, json } from '../openapi.js';

/** Mounted at `/images`. */
export function imageRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary:
        "The game images Proxmox holds (admin): which are current (creates clone them), and each game's recipe to mark one built by hand",
      responses: {
        200: json(imageListSchema, 'Images and recipes'),
        ...adminErrors,
        ...errorResponses({ 502: 'Proxmox refused the token', 503: 'Proxmox could not be asked' }),
      },
    }),
    async (c) => {
      requireAdmin(c.get('actor'));
      return c.json(await deps.images.list(), 200);
    },
  );
  return app;
}
