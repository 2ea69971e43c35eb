import {
  imageBuildRequestSchema,
  imageBuildSchema,
  imageBuildsQueuedSchema,
  imageListSchema,
} from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { auditAdmin, requireAdmin } from '../../domain/admin.js';
import { DomainError } from '../../domain/errors.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { adminErrors, errorResponses, json, jsonBody } from '../openapi.js';

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

  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      summary:
        "Build a game's image, or every game's (admin): queued jobs that clone the base template, install the game, seal and template it",
      request: { body: jsonBody(imageBuildRequestSchema) },
      responses: {
        202: json(imageBuildsQueuedSchema, 'The builds queued, and the games skipped with the reason'),
        ...adminErrors,
        ...errorResponses({
          400: 'No such game, or neither `game` nor `all` given',
          409: 'A build of the game is under way, or its licence is not accepted',
          502: 'Proxmox refused the token',
          503: 'Proxmox could not be asked',
        }),
      },
    }),
    async (c) => {
      const actor = c.get('actor');
      requireAdmin(actor);
      const body = c.req.valid('json');
      const queued = await deps.images.request(body, actor.userId ?? actor.tokenId);
      auditAdmin(deps.db, actor, 'image.build', {
        asked: body.all ? 'all' : body.game,
        builds: queued.builds.map((b) => ({ id: b.id, game: b.game, vmid: b.vmid })),
      });
      return c.json(queued, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/builds/{id}',
      summary: 'A game image build with its steps and their timings (admin)',
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: json(imageBuildSchema, 'The build'),
        ...adminErrors,
        ...errorResponses({ 404: 'No such build' }),
      },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      const { id } = c.req.valid('param');
      const build = deps.images.view(id);
      if (!build) throw new DomainError('not_found', `There is no image build with id ${id}.`);
      return c.json(build, 200);
    },
  );
  return app;
}
