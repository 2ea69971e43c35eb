import { forwardingTableSchema } from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { forwardingTable, requireEdge } from '../../domain/forwarding.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json } from '../openapi.js';

/** Mounted at `/edge`. */
export function edgeRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/forwarding',
      summary:
        'What the edge forwards now (edge or admin token): every published port of every running server with an address, and the generation',
      responses: {
        200: json(forwardingTableSchema, 'The forwarding table'),
        ...errorResponses({ 401: 'No or unknown token', 403: 'Not an edge or admin token' }),
      },
    }),
    (c) => {
      requireEdge(c.get('actor'));
      return c.json(forwardingTable(deps.db, deps.config), 200);
    },
  );
  return app;
}
