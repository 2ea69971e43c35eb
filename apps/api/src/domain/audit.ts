import type { Db } from '../db/database.js';
import { auditLog } from '../db/schema.js';
import type { Actor } from './actor.js';
import { now } from './ids.js';

/** One row of the audit log: who did what to which server, in the transaction that did it. */
export function recordAudit(
  tx: Pick<Db, 'insert'>,
  actor: Actor,
  action: string,
  server: { id: string; guildId: string },
  detail?: unknown,
): void {
  tx.insert(auditLog)
    .values({
      at: now(),
      tokenId: actor.tokenId,
      actorUserId: actor.userId ?? null,
      guildId: server.guildId,
      action,
      serverId: server.id,
      detail: detail === undefined ? null : JSON.stringify(detail),
    })
    .run();
}
