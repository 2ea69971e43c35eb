// Undoing a delete: the deleted server's row lives again — same id, name, owner and size — with a new VM id and
// new ports, and a `recreate` job brings its VM back from its final backup. Refused when the guild has a live
// server of that name now, or the quotas no longer allow it.
import { and, eq, isNull } from 'drizzle-orm';
import { servers } from '../db/schema.js';
import { type Actor, requireMayActOn, requireWrite } from './actor.js';
import { allocatePorts, reserveVmid } from './allocation.js';
import { DomainError } from './errors.js';
import { portSlotsOf } from './game-ports.js';
import { now } from './ids.js';
import { insertJob } from './jobs.js';
import { enforceQuotas } from './quotas.js';
import type { ServerServiceDeps } from './server-deps.js';
import { recordJobQueued } from './server-jobs.js';
import { gameOf } from './server-rules.js';

export async function undeleteServer(
  { db, config, outside, vmids }: ServerServiceDeps,
  id: string,
  volid: string,
  actor: Actor,
): Promise<string> {
  requireWrite(actor);
  const row = db.select().from(servers).where(eq(servers.id, id)).get();
  if (!row) throw new DomainError('not_found', `There is no server with id ${id}.`);
  requireMayActOn(actor, row);
  if (!row.deletedAt)
    throw new DomainError(
      'invalid_state',
      `The server '${row.name}' is not deleted; restore a backup over it instead.`,
    );
  const game = gameOf(row.game);
  const vmid = await vmids.claim();
  try {
    const jobId = db.transaction(
      (tx) => {
        const current = tx.select().from(servers).where(eq(servers.id, id)).get()!;
        if (!current.deletedAt)
          throw new DomainError('invalid_state', `The server '${row.name}' was brought back already.`);
        const clash = tx
          .select({ id: servers.id })
          .from(servers)
          .where(and(eq(servers.guildId, row.guildId), eq(servers.name, row.name), isNull(servers.deletedAt)))
          .get();
        if (clash)
          throw new DomainError(
            'name_taken',
            `This guild has a server named '${row.name}' again; delete or rename it before bringing this one back.`,
          );
        enforceQuotas(
          tx,
          row.guildId,
          row.ownerId,
          { cores: row.cores, memoryMiB: row.memoryMiB },
          config.quotas,
        );
        if (!reserveVmid(tx, vmid, id))
          throw new DomainError(
            'invalid_state',
            'Another request took the VM id at the same moment; try again.',
          );
        const { slots, consecutive } = portSlotsOf(game);
        allocatePorts(tx, id, slots, config.portRange, consecutive);
        const job = insertJob(tx, id, 'recreate', actor.userId ?? actor.tokenId, { volid });
        tx.update(servers)
          .set({
            state: 'restoring',
            deletedAt: null,
            vmid,
            node: config.proxmox.node,
            ipv4: null,
            currentJobId: job,
            failureCode: null,
            failureMessage: null,
            failureStep: null,
            updatedAt: now(),
          })
          .where(eq(servers.id, id))
          .run();
        recordJobQueued(tx, actor, {
          server: row,
          jobId: job,
          kind: 'recreate',
          from: 'deleted',
          audit: { action: 'server.undelete', detail: { volid } },
        });
        return job;
      },
      { behavior: 'immediate' },
    );
    await outside.enqueue(jobId);
    return jobId;
  } finally {
    vmids.release(vmid);
  }
}
