// POST /v1/serverlist/announce: Luanti's server-list announces (GAME_REPORTS_URL is the `serverlist_url` the
// playbook gives Luanti). Luanti cannot send a token, so this route is open, and the sender is identified by its
// address instead: it must be a server's VM, announcing one of that server's guest ports.
import {
  AnnounceError,
  type LuantiAnnounce,
  normalizeAddress,
  readLuantiAnnounce,
} from '@guildserver/game-query';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import { recordAnnounce, reportingServer, serversAtSender } from '../../domain/game-reports.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { json } from '../openapi.js';

const MAX_ANNOUNCE_BYTES = 256 * 1024;

/** The TCP peer's address (never a forwarding header: those are the sender's to invent). */
function senderAddress(c: Context): string | undefined {
  try {
    const address = getConnInfo(c).remote.address;
    return address ? normalizeAddress(address) : undefined;
  } catch {
    return undefined; // not served by @hono/node-server (app.request in a test): no address to trust
  }
}

const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** Mounted at `/serverlist`, with no token (see above). */
export function serverListRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const log = deps.logger.child({ component: 'serverlist' });
  // Documented here; read by hand below, so the sender is checked before its body is.
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/announce',
      summary: "Luanti's server-list announce (from the game servers themselves; no token)",
      description:
        "Luanti servers installed with GAME_REPORTS_URL set announce here (`serverlist_url`): a multipart/form-data body with a `json` field (action start/update/delete, port, clients, clients_max, name, …). Taken only from the address of a server's VM, about one of its guest ports; the player count is stored on that server.",
      request: {
        body: {
          required: true,
          content: { 'multipart/form-data': { schema: z.object({ json: z.string() }) } },
        },
      },
      responses: {
        200: json(z.object({ status: z.literal('ok') }), 'Recorded'),
        400: json(errorSchema, 'Not an announce'),
        403: json(errorSchema, "The sender is no server's VM, or the port is none of its ports"),
      },
    }),
  );
  app.post(
    '/announce',
    bodyLimit({
      maxSize: MAX_ANNOUNCE_BYTES,
      onError: () => {
        throw new DomainError('invalid_request', `An announce is at most ${MAX_ANNOUNCE_BYTES / 1024} KiB.`);
      },
    }),
    async (c) => {
      const source = senderAddress(c) ?? '';
      // Refuse strangers before reading what they sent.
      const candidates = serversAtSender(deps.db, source);
      let announce: LuantiAnnounce;
      try {
        announce = await readLuantiAnnounce(c.req.raw);
      } catch (error) {
        if (error instanceof AnnounceError) throw new DomainError('invalid_request', error.message);
        throw error;
      }
      const server = reportingServer(deps.db, candidates, source, announce.port);
      recordAnnounce(deps.db, server.id, announce);
      log.info(
        {
          serverId: server.id,
          action: announce.action,
          announcedName: announce.name,
          clients: announce.clients,
          clientsMax: announce.clientsMax,
        },
        'game server announce',
      );
      return c.json({ status: 'ok' as const }, 200);
    },
  );
  return app;
}
