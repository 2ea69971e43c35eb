// Queuing a job on an existing server: start, stop, restart and delete from the states that allow them, and
// the retry of a failed server's last job. Each writes the job, the server's busy state, its events and an
// audit row in one transaction, then hands the job to the queue.
import {
  ACTION_ALLOWED_FROM,
  BACKUP_ALLOWED_FROM,
  type JobKind,
  RESTORE_ALLOWED_FROM,
  type ServerState,
} from '@guildserver/contracts';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { jobs, ports as portsTable, type ServerRow, servers } from '../db/schema.js';
import { type Actor, requireMayActOn, requireWrite } from './actor.js';
import { allocatePorts, reserveVmid } from './allocation.js';
import { recordAudit } from './audit.js';
import { DomainError } from './errors.js';
import { recordEvent } from './event-log.js';
import { portSlotsOf } from './game-ports.js';
import { now } from './ids.js';
import { insertJob, type JobParams, parseJobParams } from './jobs.js';
import { type MakesVmKind, makesNewVm } from './plans.js';
import { enforceQuotas } from './quotas.js';
import type { ServerServiceDeps, ServerServicePorts } from './server-deps.js';
import { gameOf, liveServer, requireAcceptedLicences } from './server-rules.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The state a server is in while a job of each kind runs. */
export const BUSY_STATE: Record<JobKind, ServerState> = {
  create: 'creating',
  start: 'starting',
  stop: 'stopping',
  restart: 'restarting',
  delete: 'deleting',
  backup: 'backing_up',
  restore: 'restoring',
  recreate: 'restoring',
  copy: 'creating',
  sleep: 'falling_asleep',
  wake: 'waking',
};

/** What every queued job records: `job.queued`, the server's change of state (if any) and the audit row. */
export function recordJobQueued(
  tx: Tx,
  actor: Actor,
  queued: {
    server: ServerRow | Parameters<typeof recordEvent>[1]['server'];
    jobId: string;
    kind: JobKind;
    /** The state the server leaves; absent for a create (the server is new). */
    from?: ServerState;
    retryOf?: string;
    /** What asked for it besides a person (a player's join at the edge). */
    trigger?: 'join';
    audit: { action: string; detail?: unknown };
  },
): void {
  const { server, jobId, kind, from, retryOf, trigger } = queued;
  const about = { server, jobId };
  recordEvent(tx, about, {
    type: 'job.queued',
    data: { kind, ...(retryOf ? { retryOf } : {}), ...(trigger ? { trigger } : {}) },
  });
  if (from) recordEvent(tx, about, { type: 'server.state_changed', data: { from, to: BUSY_STATE[kind] } });
  recordAudit(tx, actor, queued.audit.action, server, queued.audit.detail);
}

/** Puts the server in its busy state for the job, forgetting the last failure. */
function markBusy(tx: Tx, serverId: string, kind: JobKind, jobId: string, vmid?: number | null): void {
  tx.update(servers)
    .set({
      state: BUSY_STATE[kind],
      currentJobId: jobId,
      ...(vmid === undefined ? {} : { vmid }),
      updatedAt: now(),
      failureCode: null,
      failureMessage: null,
      failureStep: null,
    })
    .where(eq(servers.id, serverId))
    .run();
}

/** What queuing a job needs: the database, the queue and the quotas (a start or wake may be held to them). */
export type JobQueueDeps = Pick<ServerServiceDeps, 'db'> & {
  outside: Pick<ServerServicePorts, 'enqueue'>;
  config: Pick<ServerServiceDeps['config'], 'quotas'>;
};

/** The jobs that bring a server at rest up: with QUOTA_COUNTS=awake its cores and memory count again. */
const COMES_UP: ReadonlySet<JobKind> = new Set(['start', 'wake']);

/** The jobs queued on an existing server (a create and an undelete have their own modules). */
type QueuedKind = Exclude<JobKind, MakesVmKind>;

/** Each kind of job on an existing server, and the states it may start from. */
const ALLOWED_FROM: Record<QueuedKind, readonly ServerState[]> = {
  ...ACTION_ALLOWED_FROM,
  backup: BACKUP_ALLOWED_FROM,
  restore: RESTORE_ALLOWED_FROM,
  sleep: ['running'],
};

const VERB: Record<QueuedKind, string> = {
  start: 'start',
  stop: 'stop',
  restart: 'restart',
  delete: 'be deleted',
  backup: 'be backed up',
  restore: 'be restored',
  sleep: 'go to sleep',
  wake: 'wake',
};

/**
 * Start, stop, restart, delete, back up or restore: refused unless the server's state allows it. `check` runs
 * inside the transaction, on the fresh row, before anything is written (quotas, the backup chosen).
 */
export async function queueServerJob(
  { db, outside, config }: JobQueueDeps,
  serverId: string,
  kind: QueuedKind,
  actor: Actor,
  options: { params?: (row: ServerRow) => JobParams; check?: (row: ServerRow) => void } = {},
): Promise<string> {
  requireWrite(actor);
  const jobId = db.transaction(
    (tx) => {
      const row = tx.select().from(servers).where(eq(servers.id, serverId)).get();
      if (!row || row.deletedAt)
        throw new DomainError('not_found', `There is no server with id ${serverId}.`);
      requireMayActOn(actor, row);
      if (!ALLOWED_FROM[kind].includes(row.state)) {
        throw new DomainError(
          'invalid_state',
          `The server '${row.name}' is ${row.state.replace('_', ' ')}; it cannot ${VERB[kind]} now.`,
        );
      }
      if (COMES_UP.has(kind) && config.quotas.counts === 'awake')
        enforceQuotas(
          tx,
          row.guildId,
          row.ownerId,
          { cores: row.cores, memoryMiB: row.memoryMiB, comingUp: true },
          config.quotas,
        );
      options.check?.(row);
      const params = options.params?.(row) ?? {};
      const id = insertJob(tx, serverId, kind, actor.userId ?? actor.tokenId, params);
      markBusy(tx, serverId, kind, id);
      recordJobQueued(tx, actor, {
        server: row,
        jobId: id,
        kind,
        from: row.state,
        ...(params.trigger ? { trigger: params.trigger } : {}),
        audit: { action: `server.${kind}`, ...(Object.keys(params).length > 0 ? { detail: params } : {}) },
      });
      return id;
    },
    { behavior: 'immediate' },
  );
  await outside.enqueue(jobId);
  return jobId;
}

/**
 * Runs a failed server's last job again. Its steps read what exists before acting, so work that survived the
 * failure is skipped; a failed create had its VM and ports cleaned up, so they are reserved again here first.
 */
export async function retryServerJob(deps: ServerServiceDeps, id: string, actor: Actor): Promise<string> {
  const { db, config, outside, vmids } = deps;
  requireWrite(actor);
  const row = liveServer(db, id);
  requireMayActOn(actor, row);
  const failedJob = row.currentJobId
    ? db.select().from(jobs).where(eq(jobs.id, row.currentJobId)).get()
    : undefined;
  const notFailed = (state: string) =>
    new DomainError(
      'invalid_state',
      `The server '${row.name}' is ${state}; only a failed server can be retried.`,
    );
  if (row.state !== 'failed' || !failedJob) throw notFailed(row.state);
  const kind = failedJob.kind;
  const game = gameOf(row.game);
  // A failed create, copy or recreate gave back its VM id and ports in its clean-up: they are reserved again.
  const makesVm = makesNewVm(kind);
  if (kind === 'create' || kind === 'copy') requireAcceptedLicences(game, config);
  const vmid = makesVm && row.vmid === null ? await vmids.claim() : undefined;
  let jobId: string;
  try {
    jobId = db.transaction(
      (tx) => {
        const current = tx.select().from(servers).where(eq(servers.id, id)).get()!;
        if (current.state !== 'failed') throw notFailed(current.state);
        if (makesVm) {
          enforceQuotas(
            tx,
            row.guildId,
            row.ownerId,
            { cores: row.cores, memoryMiB: row.memoryMiB },
            config.quotas,
          );
          if (vmid !== undefined && !reserveVmid(tx, vmid, id)) {
            throw new DomainError(
              'invalid_state',
              'Another request took the VM id at the same moment; retry again.',
            );
          }
          const heldPorts = tx
            .select({ n: sql<number>`count(*)` })
            .from(portsTable)
            .where(eq(portsTable.serverId, id))
            .get()!.n;
          if (heldPorts === 0) {
            const { slots, consecutive } = portSlotsOf(game);
            allocatePorts(tx, id, slots, config.portRange, consecutive);
          }
        }
        // The same request again: the backup to restore, the schedule that asked… A create that took a pool
        // VM clones the game's image this time (its clean-up left the pool VM to the pool's upkeep).
        const { pool: _tookPoolVm, ...params } = parseJobParams(failedJob.params);
        const newJob = insertJob(tx, id, kind, actor.userId ?? actor.tokenId, params);
        markBusy(tx, id, kind, newJob, vmid ?? current.vmid);
        recordJobQueued(tx, actor, {
          server: row,
          jobId: newJob,
          kind,
          from: 'failed',
          retryOf: failedJob.id,
          audit: { action: 'server.retry', detail: { kind, retryOf: failedJob.id } },
        });
        return newJob;
      },
      { behavior: 'immediate' },
    );
  } finally {
    if (vmid !== undefined) vmids.release(vmid);
  }
  await outside.enqueue(jobId);
  return jobId;
}
