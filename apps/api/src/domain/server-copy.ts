// A copy of a server's world: a new server of the same game and size in the same guild, whose VM is restored
// from one of the source's backups (a `copy` job: qmrestore into the new server's VM id, then the game set up
// under the new name, as a create sets it up). The source may be deleted: its final backup can be copied too.
import type { CopyRequest } from '@guildserver/contracts';
import { eq } from 'drizzle-orm';
import { servers } from '../db/schema.js';
import type { Actor } from './actor.js';
import { DomainError } from './errors.js';
import { insertServer, requireValidName } from './server-create.js';
import type { ServerServiceDeps } from './server-deps.js';
import { gameOf, requireAcceptedLicences } from './server-rules.js';

/** Queues the copy of `sourceId` from its backup `volid` (found, and the actor checked, by the backup service). */
export async function copyServer(
  deps: ServerServiceDeps,
  sourceId: string,
  volid: string,
  request: Omit<CopyRequest, 'backupId'>,
  actor: Actor,
): Promise<{ serverId: string; jobId: string }> {
  const source = deps.db.select().from(servers).where(eq(servers.id, sourceId)).get();
  if (!source) throw new DomainError('not_found', `There is no server with id ${sourceId}.`);
  requireValidName(request.name);
  const game = gameOf(source.game);
  requireAcceptedLicences(game, deps.config);
  return insertServer(
    deps,
    {
      name: request.name,
      game,
      guildId: source.guildId,
      ownerId: actor.userId ?? source.ownerId,
      channelId: request.channelId ?? source.channelId,
      size: { cores: source.cores, memory: source.memoryMiB, disk: source.diskGiB },
    },
    actor,
    {
      kind: 'copy',
      params: { volid },
      audit: { action: 'server.copy', detail: { from: source.id, volid, name: request.name } },
    },
  );
}
