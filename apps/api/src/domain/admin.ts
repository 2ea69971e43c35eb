import type { Db } from '../db/database.js';
import { auditLog } from '../db/schema.js';
import { type Actor, isAdmin } from './actor.js';
import { DomainError } from './errors.js';
import { now } from './ids.js';

/** Admin-only operations (tokens, quotas, webhooks) answer `forbidden` to bot and read tokens. */
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
