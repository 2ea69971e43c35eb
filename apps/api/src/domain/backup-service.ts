// A server's backups as the HTTP routes see them: listed from Proxmox itself (so backups made or deleted
// outside GuildServer show up as they are), made and restored as jobs, pinned and deleted in the request.
// Every call applies the one permission rule: reading needs what reading the server needs; the rest, acting on it.
import type {
  Backup,
  BackupList,
  CreateBackupRequest,
  RestoreRequest,
  Server,
  UpdateBackupRequest,
} from '@guildserver/contracts';
import type { BackupVolume } from '@guildserver/proxmox';
import { eq } from 'drizzle-orm';
import { type ServerRow, servers } from '../db/schema.js';
import { type Actor, requireMayActOn, requireMayRead, requireWrite } from './actor.js';
import { recordAudit } from './audit.js';
import { expiredAutomaticBackups } from './backup-expiry.js';
import { backupsOfServer, retentionText, usageOf } from './backup-listing.js';
import { DomainError } from './errors.js';
import { proxmoxRequestFailure } from './proxmox-failure.js';
import type { ServerServiceDeps } from './server-deps.js';
import { type JobQueueDeps, queueServerJob } from './server-jobs.js';
import { liveServer } from './server-rules.js';
import { serverView } from './server-view.js';

/** The backup storage at Proxmox, as the service needs it; injected so tests can count calls. */
export interface BackupStore {
  /** Every backup on PROXMOX_BACKUP_STORAGE as the node sees it. */
  list(node: string): Promise<BackupVolume[]>;
  setProtected(node: string, volid: string, pinned: boolean): Promise<void>;
  /** Resolves once the volume is gone. */
  remove(node: string, volid: string): Promise<void>;
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

export function createBackupService(
  deps: JobQueueDeps & Pick<ServerServiceDeps, 'config'>,
  store: BackupStore,
) {
  const { db, config } = deps;
  const nodeOf = (row: ServerRow) => row.node ?? config.proxmox.node;

  async function volumesOn(node: string): Promise<BackupVolume[]> {
    try {
      return await store.list(node);
    } catch (error) {
      throw proxmoxRequestFailure(error);
    }
  }

  /** GuildServer's backups of any of the guild's servers (deleted ones too: their final backups count). */
  function guildUsage(volumes: readonly BackupVolume[], guildId: string) {
    const ids = db.select({ id: servers.id }).from(servers).where(eq(servers.guildId, guildId)).all();
    return usageOf(volumes, new Set(ids.map((r) => r.id)));
  }

  function requireWithinQuota(volumes: readonly BackupVolume[], row: ServerRow): void {
    const used = guildUsage(volumes, row.guildId);
    const { count, bytes } = config.backups.quota;
    if (used.count >= count || used.bytes >= bytes) {
      const which =
        used.count >= count
          ? `${used.count} backups, its limit of ${count}`
          : `${gib(used.bytes)} of backups, its limit of ${gib(bytes)}`;
      throw new DomainError(
        'quota_exceeded',
        `This guild already keeps ${which}; delete old backups, or unpin them so the retention can prune them, before making another.`,
      );
    }
  }

  /** The server's backup with this id, or a 404 naming it. */
  function backupOf(volumes: readonly BackupVolume[], row: ServerRow, backupId: string): Backup {
    const found = backupsOfServer(volumes, row).find((b) => b.id === backupId);
    if (!found)
      throw new DomainError(
        'not_found',
        `The server '${row.name}' has no backup ${backupId}; list its backups to pick one.`,
      );
    return found;
  }

  const readable = (id: string, actor: Actor): ServerRow => {
    const row = db.select().from(servers).where(eq(servers.id, id)).get();
    if (!row) throw new DomainError('not_found', `There is no server with id ${id}.`);
    requireMayRead(actor, row);
    return row;
  };

  const actable = (id: string, actor: Actor): ServerRow => {
    requireWrite(actor);
    const row = liveServer(db, id);
    requireMayActOn(actor, row);
    return row;
  };

  return {
    /** Deleted servers' backups stay listable: their final backup is how a delete is undone. */
    async list(id: string, actor: Actor): Promise<BackupList> {
      const row = readable(id, actor);
      const volumes = await volumesOn(nodeOf(row));
      const used = guildUsage(volumes, row.guildId);
      return {
        backups: backupsOfServer(volumes, row),
        guild: { ...used, maxCount: config.backups.quota.count, maxBytes: config.backups.quota.bytes },
        retention: retentionText(config.backups.retention),
      };
    },

    /** A manual backup, or a schedule's (`origin`). */
    async create(
      id: string,
      request: CreateBackupRequest,
      actor: Actor,
      origin: { scheduleId?: string } = {},
    ): Promise<{ server: Server; jobId: string }> {
      const volumes = await volumesOn(nodeOf(actable(id, actor)));
      const jobId = await queueServerJob(deps, id, 'backup', actor, {
        check: (row) => requireWithinQuota(volumes, row),
        params: (row) => ({
          reason: origin.scheduleId ? 'scheduled' : 'manual',
          ...(origin.scheduleId ? { scheduleId: origin.scheduleId } : {}),
          returnTo: row.state === 'stopped' ? 'stopped' : 'running',
          ...(request.protected ? { protected: true } : {}),
        }),
      });
      return { server: serverView(db, id, config)!, jobId };
    },

    async restore(
      id: string,
      request: RestoreRequest,
      actor: Actor,
    ): Promise<{ server: Server; jobId: string }> {
      const row = actable(id, actor);
      const backup = backupOf(await volumesOn(nodeOf(row)), row, request.backupId);
      const jobId = await queueServerJob(deps, id, 'restore', actor, {
        params: () => ({ volid: backup.volid }),
      });
      return { server: serverView(db, id, config)!, jobId };
    },

    /** The backup to copy into a new server: one of the server's, deleted or not, acted on by the actor. */
    async toCopy(id: string, backupId: string, actor: Actor): Promise<Backup> {
      requireWrite(actor);
      const row = readable(id, actor);
      requireMayActOn(actor, row);
      return backupOf(await volumesOn(nodeOf(row)), row, backupId);
    },

    /** The deleted server's final backup to bring it back from: the one named, else its newest. */
    async finalBackupOf(id: string, backupId: string | undefined, actor: Actor): Promise<Backup> {
      const row = readable(id, actor);
      const finals = backupsOfServer(await volumesOn(nodeOf(row)), row).filter(
        (b) => b.reason === 'before-delete' && (backupId === undefined || b.id === backupId),
      );
      if (finals.length === 0)
        throw new DomainError(
          'not_found',
          backupId
            ? `The server '${row.name}' has no final backup ${backupId}; list its backups to pick one.`
            : `The server '${row.name}' has no final backup left (they are kept ${config.backups.keepDeletedDays} days).`,
        );
      return finals[0]!;
    },

    async update(id: string, backupId: string, update: UpdateBackupRequest, actor: Actor): Promise<Backup> {
      const row = actable(id, actor);
      const node = nodeOf(row);
      const backup = backupOf(await volumesOn(node), row, backupId);
      try {
        await store.setProtected(node, backup.volid, update.protected);
      } catch (error) {
        throw proxmoxRequestFailure(error);
      }
      recordAudit(db, actor, update.protected ? 'backup.pin' : 'backup.unpin', row, { volid: backup.volid });
      return { ...backup, protected: update.protected };
    },

    async remove(id: string, backupId: string, actor: Actor): Promise<Backup> {
      const row = actable(id, actor);
      const node = nodeOf(row);
      const backup = backupOf(await volumesOn(node), row, backupId);
      if (backup.protected)
        throw new DomainError(
          'invalid_state',
          `The backup ${backupId} is pinned; unpin it before deleting it.`,
        );
      try {
        await store.remove(node, backup.volid);
      } catch (error) {
        throw proxmoxRequestFailure(error);
      }
      recordAudit(db, actor, 'backup.delete', row, { volid: backup.volid });
      return backup;
    },

    /** Removes the automatic backups past BACKUP_KEEP_DELETED_DAYS on every node servers use; says what it did. */
    async expireAutomatic(nowMs = Date.now()): Promise<string> {
      const used = db.selectDistinct({ node: servers.node }).from(servers).all();
      const nodes = new Set([config.proxmox.node, ...used.flatMap((r) => (r.node ? [r.node] : []))]);
      const removed: string[] = [];
      for (const node of nodes) {
        for (const volume of expiredAutomaticBackups(
          await store.list(node),
          config.backups.keepDeletedDays,
          nowMs,
        )) {
          await store.remove(node, volume.volid);
          removed.push(volume.volid);
        }
      }
      return removed.length === 0
        ? 'no automatic backup is past its keeping time'
        : `removed ${removed.length} automatic backup(s) past ${config.backups.keepDeletedDays} days: ${removed.join(', ')}`;
    },
  };
}

export type BackupService = ReturnType<typeof createBackupService>;
