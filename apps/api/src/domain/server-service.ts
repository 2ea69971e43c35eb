import {
  ACTION_ALLOWED_FROM,
  type CreateServerRequest,
  type JobKind,
  type ListServersQuery,
  SERVER_NAME_RULE,
  type Server,
  type ServerAction,
  type ServerCredentials,
  type ServerList,
  type ServerState,
  serverNameSchema,
} from '@guildserver/contracts';
import {
  type GameDefinition,
  generatedPasswordSettings,
  getGame,
  isGameId,
  sizeProblem,
  unacceptedLicences,
  unknownGameMessage,
} from '@guildserver/games';
import { AlreadyExistsError, ProxmoxError } from '@guildserver/proxmox';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import { auditLog, jobs, ports as portsTable, type ServerRow, servers } from '../db/schema.js';
import { type Actor, isAdmin, reachOf, requireMayActOn, requireMayRead, requireWrite } from './actor.js';
import { allocatePorts, freeVmidCandidates, reserveVmid } from './allocation.js';
import { DomainError } from './errors.js';
import { recordEvent } from './event-log.js';
import { portSlotsOf } from './game-ports.js';
import { newServerId, now } from './ids.js';
import { insertJob } from './jobs.js';
import { enforceQuotas } from './quotas.js';
import { selectServerPage } from './server-queries.js';
import { serverView, serverViews } from './server-view.js';

/** What the service needs from Proxmox and the queue; injected so tests and benchmarks can count calls. */
export interface ServerServicePorts {
  /** Resolves when Proxmox says the id is free; rejects with AlreadyExistsError when it is taken. */
  checkVmidFree(vmid: number): Promise<void>;
  enqueue(jobId: string): Promise<void>;
  /** The password GuildServer generated for one of a server's settings (GameSecrets.settingPassword). */
  settingPassword(serverId: string, key: string): string;
}

const BUSY_STATE: Record<JobKind, ServerState> = {
  create: 'creating',
  start: 'starting',
  stop: 'stopping',
  restart: 'restarting',
  delete: 'deleting',
};

const VMID_ATTEMPTS = 20;

export function createServerService(db: Db, config: ApiConfig, outside: ServerServicePorts) {
  const view = (id: string) => serverView(db, id, config.hostExternal)!;

  function gameOf(id: string): GameDefinition {
    if (!isGameId(id)) {
      throw new DomainError('game_unknown', unknownGameMessage(id));
    }
    return getGame(id);
  }

  /** Whatever installs the game (Ansible or the simulated runner), the admin has to have accepted its licences. */
  function requireAcceptedLicences(game: GameDefinition): void {
    const missing = unacceptedLicences(game, config.licencesAccepted);
    if (missing.length === 0) return;
    throw new DomainError(
      'game_unavailable',
      `${game.name} needs ${missing.map((l) => `${l.name} (${l.url})`).join(' and ')} accepted by the admin before servers can be created: add ${missing.map((l) => l.id).join(',')} to GAME_LICENSES_ACCEPTED.`,
    );
  }

  function liveServer(id: string): ServerRow {
    const row = db.select().from(servers).where(eq(servers.id, id)).get();
    if (!row || row.deletedAt) throw new DomainError('not_found', `There is no server with id ${id}.`);
    return row;
  }

  function audit(
    tx: Pick<Db, 'insert'>,
    actor: Actor,
    action: string,
    row: { id: string; guildId: string },
    detail?: unknown,
  ) {
    tx.insert(auditLog)
      .values({
        at: now(),
        tokenId: actor.tokenId,
        actorUserId: actor.userId ?? null,
        guildId: row.guildId,
        action,
        serverId: row.id,
        detail: detail === undefined ? null : JSON.stringify(detail),
      })
      .run();
  }

  // Ids handed to requests still in flight in this process, so concurrent creates ask Proxmox about
  // different ids instead of racing for the same one (the vm_ids primary key still decides across processes).
  const claimed = new Set<number>();
  // Ids Proxmox already uses for VMs that are not ours; not offered again by this process.
  const foreign = new Set<number>();

  /** Claims the lowest id of our range that we hold no reservation for and Proxmox says is free. */
  async function claimVmid(skip: Set<number>): Promise<number> {
    for (let attempt = 0; attempt < VMID_ATTEMPTS; attempt++) {
      const [candidate] = freeVmidCandidates(
        db,
        config.vmidRange,
        1,
        new Set([...skip, ...claimed, ...foreign]),
      );
      if (candidate === undefined) break;
      claimed.add(candidate);
      try {
        await outside.checkVmidFree(candidate);
        return candidate;
      } catch (error) {
        claimed.delete(candidate);
        if (error instanceof AlreadyExistsError) {
          foreign.add(candidate);
          continue;
        }
        throw proxmoxFailure(error);
      }
    }
    throw new DomainError(
      'invalid_state',
      `No free VM id left in PROXMOX_VMID_RANGE ${config.vmidRange.first}-${config.vmidRange.last}; widen the range or delete servers.`,
    );
  }

  async function create(
    input: CreateServerRequest,
    actor: Actor,
  ): Promise<{ server: Server; jobId: string }> {
    requireWrite(actor);
    if (
      actor.userId !== undefined &&
      actor.userId !== input.ownerId &&
      actor.adminOfGuild !== input.guildId
    ) {
      throw new DomainError(
        'not_owner',
        'A server can only be created for the Discord user the request acts for.',
      );
    }
    const game = gameOf(input.game);
    requireAcceptedLicences(game);
    if (!serverNameSchema.safeParse(input.name).success) {
      const shown = input.name.length > 40 ? `${input.name.slice(0, 39)}…` : input.name;
      throw new DomainError('name_invalid', `'${shown}' is not a valid name: use ${SERVER_NAME_RULE}.`);
    }
    const defaults = config.gameSizes.get(game.id) ?? game.resources.default;
    const size = { ...defaults, ...input.size };
    const badSize = sizeProblem(game.name, game.resources.minimum, size);
    if (badSize) throw new DomainError('invalid_request', `The size will not do: ${badSize}`);
    const { slots, consecutive } = portSlotsOf(game);
    const skip = new Set<number>();

    for (let attempt = 0; attempt < VMID_ATTEMPTS; attempt++) {
      const vmid = await claimVmid(skip);
      const id = newServerId();
      let created: string | undefined;
      try {
        created = db.transaction(
          (tx) => {
            const clash = tx
              .select({ id: servers.id })
              .from(servers)
              .where(
                and(
                  eq(servers.guildId, input.guildId),
                  eq(servers.name, input.name),
                  isNull(servers.deletedAt),
                ),
              )
              .get();
            if (clash)
              throw new DomainError(
                'name_taken',
                `This guild already has a server named '${input.name}'; pick another name.`,
              );
            enforceQuotas(
              tx,
              input.guildId,
              input.ownerId,
              { cores: size.cores, memoryMiB: size.memory },
              config.quotas,
            );
            // Another create may have taken this id since we asked Proxmox: then try the next one.
            if (!reserveVmid(tx, vmid, id)) return undefined;
            const at = now();
            tx.insert(servers)
              .values({
                id,
                name: input.name,
                game: game.id,
                guildId: input.guildId,
                ownerId: input.ownerId,
                channelId: input.channelId,
                state: 'creating',
                cores: size.cores,
                memoryMiB: size.memory,
                diskGiB: size.disk,
                vmid,
                node: config.proxmox.node,
                createdAt: at,
                updatedAt: at,
              })
              .run();
            allocatePorts(tx, id, slots, config.portRange, consecutive);
            const jobId = insertJob(tx, id, 'create', actor.userId ?? actor.tokenId);
            tx.update(servers).set({ currentJobId: jobId }).where(eq(servers.id, id)).run();
            const { name, guildId, ownerId, channelId } = input;
            const about = { server: { id, name, guildId, ownerId, channelId }, jobId };
            recordEvent(tx, about, {
              type: 'server.created',
              data: { game: game.id, gameName: game.name, vmid, size },
            });
            recordEvent(tx, about, { type: 'job.queued', data: { kind: 'create' } });
            audit(
              tx,
              actor,
              'server.create',
              { id, guildId: input.guildId },
              { game: game.id, name: input.name, size },
            );
            return jobId;
          },
          { behavior: 'immediate' },
        );
      } finally {
        claimed.delete(vmid);
      }
      if (created === undefined) {
        skip.add(vmid);
        continue;
      }
      await outside.enqueue(created);
      return { server: view(id), jobId: created };
    }
    throw new DomainError('internal', 'Could not reserve a VM id after several tries; try again.');
  }

  function startJob(
    serverId: string,
    kind: JobKind,
    actor: Actor,
    allowedFrom: readonly string[],
    action: string,
  ) {
    requireWrite(actor);
    const jobId = db.transaction(
      (tx) => {
        const row = tx.select().from(servers).where(eq(servers.id, serverId)).get();
        if (!row || row.deletedAt)
          throw new DomainError('not_found', `There is no server with id ${serverId}.`);
        requireMayActOn(actor, row);
        if (!allowedFrom.includes(row.state)) {
          throw new DomainError(
            'invalid_state',
            `The server '${row.name}' is ${row.state}; it cannot ${action} now.`,
          );
        }
        const id = insertJob(tx, serverId, kind, actor.userId ?? actor.tokenId);
        tx.update(servers)
          .set({
            state: BUSY_STATE[kind],
            currentJobId: id,
            updatedAt: now(),
            failureCode: null,
            failureMessage: null,
            failureStep: null,
          })
          .where(eq(servers.id, serverId))
          .run();
        const about = { server: row, jobId: id };
        recordEvent(tx, about, { type: 'job.queued', data: { kind } });
        recordEvent(tx, about, {
          type: 'server.state_changed',
          data: { from: row.state, to: BUSY_STATE[kind] },
        });
        audit(tx, actor, `server.${action}`, row);
        return id;
      },
      { behavior: 'immediate' },
    );
    return jobId;
  }

  return {
    create,

    /** Refuses unless the actor may read the server (deleted ones too: their jobs and events stay readable). */
    requireMayRead(id: string, actor: Actor): void {
      const row = db.select().from(servers).where(eq(servers.id, id)).get();
      if (!row) throw new DomainError('not_found', `There is no server with id ${id}.`);
      requireMayRead(actor, row);
    },

    get(id: string, actor: Actor): Server {
      requireMayRead(actor, liveServer(id));
      return view(id);
    },

    /** The passwords generated for the server: for its owner, the guild's admins and admin tokens only. */
    credentials(id: string, actor: Actor): ServerCredentials {
      const row = liveServer(id);
      if (!isAdmin(actor)) {
        requireWrite(actor);
        requireMayActOn(actor, row);
      }
      return {
        credentials: generatedPasswordSettings(gameOf(row.game)).map((setting) => ({
          key: setting.key,
          label: setting.label,
          value: outside.settingPassword(row.id, setting.key),
        })),
      };
    },

    /** A page of the servers the actor reaches; asking for another user's is refused rather than empty. */
    list(query: ListServersQuery, actor: Actor): ServerList {
      const reach = reachOf(actor);
      if (!reach.all && query.ownerId !== undefined && query.ownerId !== reach.ownerId && !reach.guildId) {
        throw new DomainError(
          'not_owner',
          "Those servers belong to someone else; you can list your own, and a guild admin their guild's.",
        );
      }
      const rows = selectServerPage(db, {
        guildId: query.guildId,
        ownerId: query.ownerId,
        reach,
        after: query.cursor,
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      return {
        servers: serverViews(db, page, config.hostExternal),
        nextCursor: rows.length > query.limit ? page[page.length - 1]!.id : null,
      };
    },

    async act(id: string, action: ServerAction, actor: Actor): Promise<{ server: Server; jobId: string }> {
      const jobId = startJob(id, action, actor, ACTION_ALLOWED_FROM[action], action);
      await outside.enqueue(jobId);
      return { server: view(id), jobId };
    },

    async remove(id: string, actor: Actor): Promise<{ server: Server; jobId: string }> {
      const jobId = startJob(id, 'delete', actor, ACTION_ALLOWED_FROM.delete, 'be deleted');
      await outside.enqueue(jobId);
      return { server: view(id), jobId };
    },

    /**
     * Runs a failed server's last job again. Its steps read what exists before acting, so work that
     * survived the failure is skipped; a failed create had its VM and ports cleaned up, so they are
     * reserved again here first.
     */
    async retry(id: string, actor: Actor): Promise<{ server: Server; jobId: string }> {
      requireWrite(actor);
      const row = liveServer(id);
      requireMayActOn(actor, row);
      const failedJob = row.currentJobId
        ? db.select().from(jobs).where(eq(jobs.id, row.currentJobId)).get()
        : undefined;
      if (row.state !== 'failed' || !failedJob) {
        throw new DomainError(
          'invalid_state',
          `The server '${row.name}' is ${row.state}; only a failed server can be retried.`,
        );
      }
      const kind = failedJob.kind;
      const game = gameOf(row.game);
      if (kind === 'create') requireAcceptedLicences(game);
      const vmid = kind === 'create' && row.vmid === null ? await claimVmid(new Set()) : undefined;
      let jobId: string;
      try {
        jobId = db.transaction(
          (tx) => {
            const current = tx.select().from(servers).where(eq(servers.id, id)).get()!;
            if (current.state !== 'failed') {
              throw new DomainError(
                'invalid_state',
                `The server '${row.name}' is ${current.state}; only a failed server can be retried.`,
              );
            }
            if (kind === 'create') {
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
              if (
                tx
                  .select({ n: sql<number>`count(*)` })
                  .from(portsTable)
                  .where(eq(portsTable.serverId, id))
                  .get()!.n === 0
              ) {
                const { slots, consecutive } = portSlotsOf(game);
                allocatePorts(tx, id, slots, config.portRange, consecutive);
              }
            }
            const newJob = insertJob(tx, id, kind, actor.userId ?? actor.tokenId);
            const state = BUSY_STATE[kind];
            tx.update(servers)
              .set({
                state,
                currentJobId: newJob,
                vmid: vmid ?? current.vmid,
                updatedAt: now(),
                failureCode: null,
                failureMessage: null,
                failureStep: null,
              })
              .where(eq(servers.id, id))
              .run();
            const about = { server: row, jobId: newJob };
            recordEvent(tx, about, { type: 'job.queued', data: { kind, retryOf: failedJob.id } });
            recordEvent(tx, about, {
              type: 'server.state_changed',
              data: { from: 'failed', to: state },
            });
            audit(tx, actor, 'server.retry', row, { kind, retryOf: failedJob.id });
            return newJob;
          },
          { behavior: 'immediate' },
        );
      } finally {
        if (vmid !== undefined) claimed.delete(vmid);
      }
      await outside.enqueue(jobId);
      return { server: view(id), jobId };
    },
  };
}

export type ServerService = ReturnType<typeof createServerService>;

/** Proxmox failures seen while serving a request, as the codes the API promises. */
export function proxmoxFailure(error: unknown): DomainError {
  if (!(error instanceof ProxmoxError))
    return new DomainError('internal', 'Unexpected failure while asking Proxmox.');
  switch (error.code) {
    case 'auth_failed':
      return new DomainError(
        'proxmox_auth_failed',
        "Proxmox rejected GuildServer's API token; an admin must check PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET.",
      );
    case 'permission_denied':
      return new DomainError('proxmox_permission_denied', `Proxmox refused: ${error.message}`);
    default:
      return new DomainError(
        'proxmox_unreachable',
        'Proxmox cannot be reached right now; try again in a minute.',
      );
  }
}
