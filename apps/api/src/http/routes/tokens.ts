import {
  createdTokenSchema,
  createTokenSchema,
  tokenListSchema,
  tokenSummarySchema,
} from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { requireAdmin } from '../../domain/admin.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { adminErrors, json, jsonBody } from '../openapi.js';

/** Mounted at `/tokens`. */
export function tokenRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      summary: 'Create an API token (admin); the token is shown once',
      request: { body: jsonBody(createTokenSchema) },
      responses: { 201: json(createdTokenSchema, 'The new token, shown only this once'), ...adminErrors },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      const input = c.req.valid('json');
      const created = deps.tokens.create(input.name, input.scopes, c.get('actor'));
      c.header('cache-control', 'no-store');
      return c.json(created, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary: 'List API tokens (admin); never the tokens themselves',
      responses: {
        200: json(tokenListSchema, 'Every token'),
        ...adminErrors,
      },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      return c.json({ tokens: deps.tokens.list() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      summary: 'Revoke an API token (admin)',
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: json(tokenSummarySchema, 'The revoked token'), ...adminErrors },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      return c.json(deps.tokens.revoke(c.req.valid('param').id, c.get('actor')), 200);
    },
  );

  return app;
}
