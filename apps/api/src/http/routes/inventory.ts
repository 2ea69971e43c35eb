// GET /v1/inventory: the Ansible dynamic inventory (ansible/inventories/guildserver.py prints it). Admin tokens
// only: the host variables are what the worker passes to the playbooks, generated passwords included.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { type Actor, isAdmin } from '../../domain/actor.js';
import { DomainError } from '../../domain/errors.js';
import { ansibleInventory } from '../../pipeline/game/ansible-inventory.js';
import { type GameSecrets, loadGameSecrets } from '../../pipeline/game/game-secrets.js';
import { playbookVarsOptions } from '../../pipeline/game/playbook-vars.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json } from '../openapi.js';

const inventorySchema = z
  .object({
    _meta: z.object({
      hostvars: z
        .record(z.string(), z.record(z.string(), z.unknown()))
        .describe("By server id: the variables the worker passes to the server's playbook, and ansible_host"),
    }),
  })
  .catchall(z.object({ hosts: z.array(z.string()) }))
  .describe(
    'Groups (guildserver, game_<game>, guild_<guild id>, state_<state>, name_<server name>) of server ids, in the format of an Ansible inventory script',
  );

function requireInventoryReader(actor: Actor): void {
  if (!isAdmin(actor)) {
    throw new DomainError(
      'forbidden',
      "The inventory holds the servers' generated passwords, so it needs a token with the admin scope (gs token create --name ansible --scope admin).",
    );
  }
}

/** Mounted at `/inventory`. */
export function inventoryRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  // GAME_SECRETS_KEY or the data directory's key file: the one the worker derives the passwords from.
  let secrets: GameSecrets | undefined;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary:
        'Every server as an Ansible inventory, with the variables the worker passes to its playbook (admin only)',
      responses: {
        200: json(inventorySchema, 'The inventory'),
        ...errorResponses({ 401: 'No or unknown token', 403: 'Not an admin token' }),
      },
    }),
    (c) => {
      requireInventoryReader(c.get('actor'));
      secrets ??= loadGameSecrets(deps.config);
      const inventory = ansibleInventory(deps.db, playbookVarsOptions(deps.config, secrets));
      return c.json(inventory as z.infer<typeof inventorySchema>, 200, { 'cache-control': 'no-store' });
    },
  );
  return app;
}
