// The servers as the HTTP routes see them: reads that apply the permission rule, and the requests that queue
// jobs (create, act, delete, retry), each in its own module.
import type {
  CopyRequest,
  CreateServerRequest,
  ListServersQuery,
  Server,
  ServerAction,
  ServerCredentials,
  ServerList,
  WakeAnswer,
  WakeRequest,
} from '@guildserver/contracts';
import { generatedPasswordSettings } from '@guildserver/games';
import { eq } from 'drizzle-orm';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import { servers } from '../db/schema.js';
import { type Actor, isAdmin, reachOf, requireMayActOn, requireMayRead, requireWrite } from './actor.js';
import { recordAudit } from './audit.js';
import { DomainError } from './errors.js';
import { now } from './ids.js';
import { wakeForJoin } from './join-wake.js';
import { copyServer } from './server-copy.js';
import { createServer } from './server-create.js';
import type { ServerServiceDeps, ServerServicePorts } from './server-deps.js';
import { queueServerJob, retryServerJob } from './server-jobs.js';
import { selectServerPage } from './server-queries.js';
import { gameOf, liveServer } from './server-rules.js';
import { undeleteServer } from './server-undelete.js';
import { serverView, serverViews } from './server-view.js';
import { ownIdleSleepProblem } from './sleep-policy.js';
import { sleepRulesOf } from './sleep-settings.js';
import { createVmidClaims } from './vmid-claims.js';
import { WakeLimits } from './wake-limits.js';

export function createServerService(db: Db, config: ApiConfig, outside: ServerServicePorts) {
  const deps: ServerServiceDeps = {
    db,
    config,
    outside,
    vmids: createVmidClaims(db, config.vmidRange, (vmid) => outside.checkVmidFree(vmid)),
  };
  const wakeLimits = new WakeLimits();
  const view = (id: string) => serverView(db, id, config)!;
  const withView = (serverId: string, jobId: string) => ({ server: view(serverId), jobId });

  return {
    /** What the backup service shares with this one (the same claims, queue and rules). */
    deps,

    async create(input: CreateServerRequest, actor: Actor): Promise<{ server: Server; jobId: string }> {
      const { serverId, jobId } = await createServer(deps, input, actor);
      return withView(serverId, jobId);
    },

    /** Refuses unless the actor may read the server (deleted ones too: their jobs and events stay readable). */
    requireMayRead(id: string, actor: Actor): void {
      const row = db.select().from(servers).where(eq(servers.id, id)).get();
      if (!row) throw new DomainError('not_found', `There is no server with id ${id}.`);
      requireMayRead(actor, row);
    },

    get(id: string, actor: Actor): Server {
      requireMayRead(actor, liveServer(db, id));
      return view(id);
    },

    /** The passwords generated for the server: for its owner, the guild's admins and admin tokens only. */
    credentials(id: string, actor: Actor): ServerCredentials {
      const row = liveServer(db, id);
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
        servers: serverViews(db, page, config),
        nextCursor: rows.length > query.limit ? page[page.length - 1]!.id : null,
      };
    },

    /**
     * The owner's idle-sleep for their server (null: the guild's), within the longest the guild allows; the
     * change is audited, and the next monitor round applies it.
     */
    setIdleSleep(id: string, after: string | null, actor: Actor): Server {
      requireWrite(actor);
      const row = liveServer(db, id);
      requireMayActOn(actor, row);
      if (after !== null) {
        const problem = ownIdleSleepProblem(sleepRulesOf(db, row.guildId, config.monitor.idleAfterMs), after);
        if (problem) throw new DomainError('invalid_request', problem);
      }
      db.transaction((tx) => {
        tx.update(servers).set({ idleSleep: after, updatedAt: now() }).where(eq(servers.id, id)).run();
        recordAudit(tx, actor, 'server.idle_sleep', row, { after });
      });
      return view(id);
    },

    /** A player's join at a sleeping server's port, as an edge reports it: wakes it, within the wake limits. */
    wakeForJoin: (request: WakeRequest, actor: Actor): Promise<WakeAnswer> =>
      wakeForJoin({ ...deps, limits: wakeLimits }, request, actor),

    async act(id: string, action: ServerAction, actor: Actor): Promise<{ server: Server; jobId: string }> {
      return withView(id, await queueServerJob(deps, id, action, actor));
    },

    /** A final backup is made first unless `finalBackup` is false (the backup storage is full, say). */
    async remove(
      id: string,
      actor: Actor,
      options: { finalBackup?: boolean } = {},
    ): Promise<{ server: Server; jobId: string }> {
      const params = options.finalBackup === false ? { skipFinalBackup: true } : {};
      return withView(id, await queueServerJob(deps, id, 'delete', actor, { params: () => params }));
    },

    /** Brings a deleted server back from a final backup (`volid`, found by the backup service). */
    async undelete(id: string, volid: string, actor: Actor): Promise<{ server: Server; jobId: string }> {
      return withView(id, await undeleteServer(deps, id, volid, actor));
    },

    /** A new server from the backup `volid` of `sourceId` (found, and the actor checked, by the backup service). */
    async copy(
      sourceId: string,
      volid: string,
      request: Omit<CopyRequest, 'backupId'>,
      actor: Actor,
    ): Promise<{ server: Server; jobId: string }> {
      const { serverId, jobId } = await copyServer(deps, sourceId, volid, request, actor);
      return withView(serverId, jobId);
    },

    async retry(id: string, actor: Actor): Promise<{ server: Server; jobId: string }> {
      return withView(id, await retryServerJob(deps, id, actor));
    },
  };
}

export type ServerService = ReturnType<typeof createServerService>;
