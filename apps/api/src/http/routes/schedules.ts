import {
  createScheduleRequestSchema,
  guildSettingsSchema,
  scheduleListSchema,
  scheduleSchema,
  snowflakeSchema,
  updateGuildSettingsRequestSchema,
} from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json, jsonBody } from '../openapi.js';

const errors = errorResponses({
  400: 'Bad input',
  401: 'No or unknown token',
  403: 'Not allowed (scope, owner, guild admin, too many schedules)',
  404: 'No such server or schedule',
  409: 'The same schedule exists already',
  429: 'Rate limited',
});

const idParam = z.object({ id: z.string() });

/** A server's schedules, under `/servers/{id}`; mounted by the server routes before `/{id}/{action}`. */
export function scheduleRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/schedules',
      summary: "A server's schedules, with their next and last runs",
      request: { params: idParam },
      responses: { 200: json(scheduleListSchema, 'The schedules'), ...errors },
    }),
    async (c) => c.json(await deps.schedules.list(c.req.valid('param').id, c.get('actor')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/schedules',
      summary:
        "Add a schedule: restart, back up, stop or start daily at a time (or back up every N hours), in the guild's time zone",
      request: { params: idParam, body: jsonBody(createScheduleRequestSchema) },
      responses: { 201: json(scheduleSchema, 'The schedule, registered'), ...errors },
    }),
    async (c) =>
      c.json(await deps.schedules.create(c.req.valid('param').id, c.req.valid('json'), c.get('actor')), 201),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}/schedules/{scheduleId}',
      summary: 'Remove a schedule',
      request: { params: z.object({ id: z.string(), scheduleId: z.string() }) },
      responses: { 200: json(scheduleSchema, 'The schedule, removed'), ...errors },
    }),
    async (c) => {
      const { id, scheduleId } = c.req.valid('param');
      return c.json(await deps.schedules.remove(id, scheduleId, c.get('actor')), 200);
    },
  );

  return app;
}

/** Mounted at `/guilds`: what a guild's admins set for it. */
export function guildRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const guildParam = z.object({ guildId: snowflakeSchema });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{guildId}/settings',
      summary: "A guild's settings: the time zone of its schedules, its admin channel",
      request: { params: guildParam },
      responses: { 200: json(guildSettingsSchema, 'The settings'), ...errors },
    }),
    (c) => c.json(deps.schedules.guildSettings(c.req.valid('param').guildId, c.get('actor')), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/{guildId}/settings',
      summary:
        "Change a guild's settings (its admins only); a new time zone moves every schedule of the guild",
      request: { params: guildParam, body: jsonBody(updateGuildSettingsRequestSchema) },
      responses: { 200: json(guildSettingsSchema, 'The settings'), ...errors },
    }),
    async (c) =>
      c.json(
        await deps.schedules.updateGuildSettings(
          c.req.valid('param').guildId,
          c.req.valid('json'),
          c.get('actor'),
        ),
        200,
      ),
  );

  return app;
}
