import {
  createServerRequestSchema,
  listServersQuerySchema,
  serverActionSchema,
  serverCredentialsSchema,
  serverListSchema,
  serverSchema,
  setIdleSleepRequestSchema,
} from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { reachOf } from '../../domain/actor.js';
import { createReadCache } from '../../domain/read-cache.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json, jsonBody } from '../openapi.js';
import { backupRoutes } from './backups.js';
import { scheduleRoutes } from './schedules.js';

const errors = errorResponses({
  400: 'Bad input',
  401: 'No or unknown token',
  403: 'Not allowed (scope, owner, quota)',
  404: 'No such server',
  409: 'Name taken, or not possible in this state',
  429: 'Rate limited',
  503: 'Proxmox unreachable or ports exhausted',
});

const accepted = z.object({ server: serverSchema, jobId: z.string() });
const idParam = z.object({ id: z.string() });

/** Mounted at `/servers`. */
export function serverRoutes(deps: ApiDeps) {
  const listings = createReadCache(deps.db);
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      summary: 'Create a game server',
      request: {
        body: jsonBody(createServerRequestSchema),
      },
      responses: { 202: json(accepted, 'Accepted: the create job is queued'), ...errors },
    }),
    async (c) => c.json(await deps.servers.create(c.req.valid('json'), c.get('actor')), 202),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary:
        'List the servers the caller may see (by guild and owner), in the order they were created, a page at a time',
      request: { query: listServersQuerySchema },
      responses: { 200: json(serverListSchema, 'A page of servers'), ...errors },
    }),
    (c) => {
      const query = c.req.valid('query');
      const actor = c.get('actor');
      // Listing is the busiest read (the bot's autocomplete): answered from cache while no row has changed.
      const key = JSON.stringify([query, reachOf(actor)]);
      const body = listings.get(key, () => deps.servers.list(query, actor));
      return c.body(body, 200, { 'content-type': 'application/json' }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      summary: 'One server',
      request: { params: idParam },
      responses: { 200: json(serverSchema, 'The server'), ...errors },
    }),
    (c) => c.json(deps.servers.get(c.req.valid('param').id, c.get('actor')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/credentials',
      summary:
        "The passwords GuildServer generated for a server (join or admin): its owner's and admins' only",
      request: { params: idParam },
      responses: {
        200: json(serverCredentialsSchema, 'The generated passwords, if the game has any'),
        ...errors,
      },
    }),
    (c) => {
      const body = deps.servers.credentials(c.req.valid('param').id, c.get('actor'));
      return c.json(body, 200, { 'cache-control': 'no-store' });
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/{id}/idle-sleep',
      summary:
        "Set after how long without players the server sleeps (`off`, `2h`), within the guild's idle-sleep-max; null: the guild's",
      request: { params: idParam, body: jsonBody(setIdleSleepRequestSchema) },
      responses: { 200: json(serverSchema, 'The server, with its idle sleep'), ...errors },
    }),
    (c) =>
      c.json(
        deps.servers.setIdleSleep(c.req.valid('param').id, c.req.valid('json').after, c.get('actor')),
        200,
      ),
  );

  // Registered before /{id}/{action}, which would otherwise take 'retry', 'backups', 'restore' or 'schedules' as an action.
  app.route('/', backupRoutes(deps));
  app.route('/', scheduleRoutes(deps));
  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/retry',
      summary: "Run a failed server's last job again",
      request: { params: idParam },
      responses: { 202: json(accepted, 'Accepted: the job is queued'), ...errors },
    }),
    async (c) => c.json(await deps.servers.retry(c.req.valid('param').id, c.get('actor')), 202),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/{action}',
      summary: 'Start, stop, restart or wake (a sleeping) server',
      request: { params: z.object({ id: z.string(), action: serverActionSchema }) },
      responses: { 202: json(accepted, 'Accepted: the job is queued'), ...errors },
    }),
    async (c) => {
      const { id, action } = c.req.valid('param');
      return c.json(await deps.servers.act(id, action, c.get('actor')), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      summary:
        'Delete a server: stop it, make its final backup (kept BACKUP_KEEP_DELETED_DAYS), destroy its VM, release its ports',
      request: {
        params: idParam,
        query: z.object({
          finalBackup: z
            .enum(['true', 'false'])
            .optional()
            .openapi({ description: 'false: no final backup (the delete cannot be undone)' }),
        }),
      },
      responses: { 202: json(accepted, 'Accepted: the delete job is queued'), ...errors },
    }),
    async (c) => {
      const finalBackup = c.req.valid('query').finalBackup !== 'false';
      return c.json(await deps.servers.remove(c.req.valid('param').id, c.get('actor'), { finalBackup }), 202);
    },
  );

  return app;
}
