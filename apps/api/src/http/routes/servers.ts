import {
  createServerRequestSchema,
  errorBodySchema,
  listServersQuerySchema,
  serverActionSchema,
  serverCredentialsSchema,
  serverListSchema,
  serverSchema,
} from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { reachOf } from '../../domain/actor.js';
import { createReadCache } from '../../domain/read-cache.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';

const errors = {
  400: { description: 'Bad input', content: { 'application/json': { schema: errorBodySchema } } },
  401: { description: 'No or unknown token', content: { 'application/json': { schema: errorBodySchema } } },
  403: {
    description: 'Not allowed (scope, owner, quota)',
    content: { 'application/json': { schema: errorBodySchema } },
  },
  404: { description: 'No such server', content: { 'application/json': { schema: errorBodySchema } } },
  409: {
    description: 'Name taken, or not possible in this state',
    content: { 'application/json': { schema: errorBodySchema } },
  },
  429: { description: 'Rate limited', content: { 'application/json': { schema: errorBodySchema } } },
  503: {
    description: 'Proxmox unreachable or ports exhausted',
    content: { 'application/json': { schema: errorBodySchema } },
  },
};

const accepted = z.object({ server: serverSchema, jobId: z.string() });
const idParam = z.object({ id: z.string() });
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export function serverRoutes(deps: ApiDeps) {
  const listings = createReadCache(deps.db);
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/servers',
      summary: 'Create a game server',
      request: {
        body: { content: { 'application/json': { schema: createServerRequestSchema } }, required: true },
      },
      responses: { 202: json(accepted, 'Accepted: the create job is queued'), ...errors },
    }),
    async (c) => c.json(await deps.servers.create(c.req.valid('json'), c.get('actor')), 202),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/servers',
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
      path: '/servers/{id}',
      summary: 'One server',
      request: { params: idParam },
      responses: { 200: json(serverSchema, 'The server'), ...errors },
    }),
    (c) => c.json(deps.servers.get(c.req.valid('param').id, c.get('actor')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/servers/{id}/credentials',
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

  // Registered before /servers/{id}/{action}, which would otherwise take 'retry' as an action.
  app.openapi(
    createRoute({
      method: 'post',
      path: '/servers/{id}/retry',
      summary: "Run a failed server's last job again",
      request: { params: idParam },
      responses: { 202: json(accepted, 'Accepted: the job is queued'), ...errors },
    }),
    async (c) => c.json(await deps.servers.retry(c.req.valid('param').id, c.get('actor')), 202),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/servers/{id}/{action}',
      summary: 'Start, stop or restart a server',
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
      path: '/servers/{id}',
      summary: 'Delete a server: stop it, destroy its VM, release its ports',
      request: { params: idParam },
      responses: { 202: json(accepted, 'Accepted: the delete job is queued'), ...errors },
    }),
    async (c) => c.json(await deps.servers.remove(c.req.valid('param').id, c.get('actor')), 202),
  );

  return app;
}
