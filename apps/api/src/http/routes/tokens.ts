import { errorBodySchema, tokenScopeSchema } from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import { auditLog } from '../../db/schema.js';
import { type Actor, isAdmin } from '../../domain/actor.js';
import { DomainError } from '../../domain/errors.js';
import { now } from '../../domain/ids.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../../domain/tokens.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';

/** Admin-only routes (tokens, quotas, webhooks) answer `forbidden` to bot and read tokens. */
export function requireAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw new DomainError('forbidden', 'Only a token with the admin scope may do that.');
}

/** Admin changes go to the audit log: who (token), what, and for which guild when there is one. */
export function auditAdmin(
  db: Db,
  actor: Actor,
  action: string,
  detail: Record<string, unknown>,
  guildId?: string | null,
) {
  db.insert(auditLog)
    .values({
      at: now(),
      tokenId: actor.tokenId,
      actorUserId: actor.userId ?? null,
      guildId: guildId ?? null,
      action,
      serverId: null,
      detail: JSON.stringify(detail),
    })
    .run();
}

export const adminErrors = {
  400: { description: 'Bad input', content: { 'application/json': { schema: errorBodySchema } } },
  401: { description: 'No or unknown token', content: { 'application/json': { schema: errorBodySchema } } },
  403: { description: 'Not an admin token', content: { 'application/json': { schema: errorBodySchema } } },
  404: { description: 'Not found', content: { 'application/json': { schema: errorBodySchema } } },
};

const createTokenSchema = z.object({
  name: z.string().trim().min(1).max(64),
  scopes: z.array(tokenScopeSchema).min(1).max(3),
});

const tokenSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(tokenScopeSchema),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

const createdTokenSchema = tokenSummarySchema.extend({
  /** The token itself: shown in this answer only; GuildServer keeps only its hash. */
  token: z.string(),
});

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export function tokenRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const summaries = () =>
    listApiTokens(deps.db).map((t) => ({
      ...t,
      scopes: tokenScopeSchema.array().parse(t.scopes.split(',')),
    }));

  app.openapi(
    createRoute({
      method: 'post',
      path: '/tokens',
      summary: 'Create an API token (admin); the token is shown once',
      request: { body: { content: { 'application/json': { schema: createTokenSchema } }, required: true } },
      responses: { 201: json(createdTokenSchema, 'The new token, shown only this once'), ...adminErrors },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      const input = c.req.valid('json');
      const scopes = [...new Set(input.scopes)];
      const created = createApiToken(deps.db, input.name, scopes);
      const summary = summaries().find((t) => t.id === created.id)!;
      auditAdmin(deps.db, c.get('actor'), 'token.create', { tokenId: created.id, name: input.name, scopes });
      deps.logger.info({ tokenId: created.id, scopes, by: c.get('actor').tokenId }, 'API token created');
      c.header('cache-control', 'no-store');
      return c.json({ ...summary, token: created.token }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/tokens',
      summary: 'List API tokens (admin); never the tokens themselves',
      responses: {
        200: json(z.object({ tokens: z.array(tokenSummarySchema) }), 'Every token'),
        ...adminErrors,
      },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      return c.json({ tokens: summaries() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/tokens/{id}',
      summary: 'Revoke an API token (admin)',
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: json(tokenSummarySchema, 'The revoked token'), ...adminErrors },
    }),
    (c) => {
      requireAdmin(c.get('actor'));
      const { id } = c.req.valid('param');
      const existing = summaries().find((t) => t.id === id);
      if (!existing) throw new DomainError('not_found', `There is no token with id ${id}.`);
      if (!existing.revokedAt) {
        revokeApiToken(deps.db, id);
        auditAdmin(deps.db, c.get('actor'), 'token.revoke', { tokenId: id });
      }
      deps.logger.info({ tokenId: id, by: c.get('actor').tokenId }, 'API token revoked');
      return c.json(summaries().find((t) => t.id === id)!, 200);
    },
  );

  return app;
}
