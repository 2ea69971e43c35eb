import {
  backupIdSchema,
  backupListSchema,
  backupSchema,
  copyRequestSchema,
  createBackupRequestSchema,
  restoreRequestSchema,
  serverSchema,
  undeleteRequestSchema,
  updateBackupRequestSchema,
} from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json, jsonBody } from '../openapi.js';

const errors = errorResponses({
  400: 'Bad input',
  401: 'No or unknown token',
  403: 'Not allowed (scope, owner, backup quota)',
  404: 'No such server or backup',
  409: 'Not possible in this state (busy, pinned)',
  429: 'Rate limited',
  503: 'Proxmox unreachable',
});

const accepted = z.object({ server: serverSchema, jobId: z.string() });
const idParam = z.object({ id: z.string() });
const backupParam = z.object({ id: z.string(), backupId: backupIdSchema });

/** A server's backups, under `/servers/{id}`; mounted by the server routes before `/{id}/{action}`. */
export function backupRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/backups',
      summary:
        "A server's backups as Proxmox lists them (GuildServer's and those of its VM made elsewhere), newest first, with the guild's use of its backup quota",
      request: { params: idParam },
      responses: { 200: json(backupListSchema, 'The backups'), ...errors },
    }),
    async (c) => c.json(await deps.backups.list(c.req.valid('param').id, c.get('actor')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/backups',
      summary: 'Back a server up now: the game saves, Proxmox makes a vzdump, the retention applies',
      request: { params: idParam, body: jsonBody(createBackupRequestSchema) },
      responses: { 202: json(accepted, 'Accepted: the backup job is queued'), ...errors },
    }),
    async (c) =>
      c.json(await deps.backups.create(c.req.valid('param').id, c.req.valid('json'), c.get('actor')), 202),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/{id}/backups/{backupId}',
      summary: 'Pin or unpin a backup (a pinned backup is never pruned and cannot be deleted)',
      request: { params: backupParam, body: jsonBody(updateBackupRequestSchema) },
      responses: { 200: json(backupSchema, 'The backup'), ...errors },
    }),
    async (c) => {
      const { id, backupId } = c.req.valid('param');
      return c.json(await deps.backups.update(id, backupId, c.req.valid('json'), c.get('actor')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}/backups/{backupId}',
      summary: 'Delete a backup (refused while pinned)',
      request: { params: backupParam },
      responses: { 200: json(backupSchema, 'The backup, now deleted'), ...errors },
    }),
    async (c) => {
      const { id, backupId } = c.req.valid('param');
      return c.json(await deps.backups.remove(id, backupId, c.get('actor')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/restore',
      summary:
        "Restore one of the server's backups over its VM: a backup of the world as it is comes first; same address, ports and name",
      request: { params: idParam, body: jsonBody(restoreRequestSchema) },
      responses: { 202: json(accepted, 'Accepted: the restore job is queued'), ...errors },
    }),
    async (c) =>
      c.json(await deps.backups.restore(c.req.valid('param').id, c.req.valid('json'), c.get('actor')), 202),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/copy',
      summary:
        "A new server from one of this server's backups (deleted servers' final backups too): the same game, size and guild, under another name, with its own VM id, ports and address",
      request: { params: idParam, body: jsonBody(copyRequestSchema) },
      responses: { 202: json(accepted, 'Accepted: the new server and its copy job'), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const actor = c.get('actor');
      const { backupId, ...request } = c.req.valid('json');
      const backup = await deps.backups.toCopy(id, backupId, actor);
      return c.json(await deps.servers.copy(id, backup.volid, request, actor), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/undelete',
      summary:
        'Bring a deleted server back from its final backup (its newest, or the one named), with a new VM id and ports, within BACKUP_KEEP_DELETED_DAYS',
      request: { params: idParam, body: jsonBody(undeleteRequestSchema) },
      responses: { 202: json(accepted, 'Accepted: the recreate job is queued'), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const actor = c.get('actor');
      const backup = await deps.backups.finalBackupOf(id, c.req.valid('json').backupId, actor);
      return c.json(await deps.servers.undelete(id, backup.volid, actor), 202);
    },
  );

  return app;
}
