import { GAMES, gameSummarySchema, toGameSummary } from '@guildserver/games';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { json } from '../openapi.js';

/** Mounted at `/games`. */
export function gameRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  // Sizes include the admin's PROXMOX_RESOURCES_<GAME> overrides, so this is what a create would get.
  const body = JSON.stringify({
    games: GAMES.map((game) =>
      toGameSummary(game, deps.config.gameSizes.get(game.id) ?? game.resources.default),
    ),
  });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary: 'The games GuildServer can host, with their sizes and the settings owners may change',
      responses: {
        200: json(z.object({ games: z.array(gameSummarySchema) }), 'The catalog'),
      },
    }),
    // The catalog never changes while the process runs: serialise it once.
    (c) => c.body(body, 200, { 'content-type': 'application/json' }) as never,
  );
  return app;
}
