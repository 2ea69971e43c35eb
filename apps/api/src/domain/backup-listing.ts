// Backups as Proxmox lists them, matched to GuildServer's servers: by their notes (`guildserver gs-<server id>
// <name> <reason> <job id>`, written by vzdump's notes-template), or — for a backup of a live server's VM made
// elsewhere — by the VM id. Which of ours a retention removes. Pure: the callers read Proxmox.
import { BACKUP_REASONS, type Backup, type BackupReason } from '@guildserver/contracts';
import type { BackupVolume } from '@guildserver/proxmox';
import { type PruneOptions, pruneMarks } from '@guildserver/proxmox/retention';
import { serverTag } from '../pipeline/ownership.js';

export interface BackupNotes {
  serverId: string;
  name: string;
  reason: BackupReason;
  jobId: string;
}

/** The first line of a backup's notes: what names it ours, and the job that made it (found again after a crash). */
export function backupNotes(notes: BackupNotes): string {
  return `guildserver ${serverTag(notes.serverId)} ${notes.name} ${notes.reason} ${notes.jobId}`;
}

const NOTES = /^guildserver gs-(srv_[a-z0-9]+) (\S+) (\S+)(?: (\S+))?/;

export function parseBackupNotes(notes: string | undefined): BackupNotes | undefined {
  const match = NOTES.exec(notes ?? '');
  if (!match) return undefined;
  const reason = match[3] as BackupReason;
  if (!BACKUP_REASONS.includes(reason)) return undefined;
  return { serverId: match[1]!, name: match[2]!, reason, jobId: match[4] ?? '' };
}

/** The file name of a volume id: `local:backup/vzdump-qemu-…vma.zst` → `vzdump-qemu-…vma.zst`. */
export const backupIdOf = (volid: string): string => volid.slice(volid.lastIndexOf('/') + 1);

export interface ServerForBackups {
  id: string;
  vmid: number | null;
  createdAt: string;
  deletedAt: string | null;
}

const isProtected = (volume: BackupVolume) => volume.protected === 1 || volume.protected === true;

function view(volume: BackupVolume, serverId: string, notes: BackupNotes | undefined): Backup {
  return {
    id: backupIdOf(volume.volid),
    volid: volume.volid,
    serverId,
    madeBy: notes ? 'guildserver' : 'outside',
    reason: notes?.reason ?? null,
    size: volume.size,
    createdAt: new Date((volume.ctime ?? 0) * 1000).toISOString(),
    protected: isProtected(volume),
    notes: volume.notes ?? '',
  };
}

/**
 * The server's backups, newest first: ours by notes, and backups of its VM made outside GuildServer since the
 * server exists (a VM id is reused after a delete, so older ones were of another server).
 */
export function backupsOfServer(volumes: readonly BackupVolume[], server: ServerForBackups): Backup[] {
  const since = Date.parse(server.createdAt) / 1000;
  const found: Backup[] = [];
  for (const volume of volumes) {
    const notes = parseBackupNotes(volume.notes);
    if (notes) {
      if (notes.serverId === server.id) found.push(view(volume, server.id, notes));
      continue;
    }
    const outside =
      server.deletedAt === null &&
      volume.vmid !== undefined &&
      volume.vmid === server.vmid &&
      (volume.ctime ?? 0) >= since;
    if (outside) found.push(view(volume, server.id, undefined));
  }
  return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** GuildServer's backups of any of these servers: what a guild's backup quota counts. */
export function usageOf(
  volumes: readonly BackupVolume[],
  serverIds: ReadonlySet<string>,
): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (const volume of volumes) {
    const notes = parseBackupNotes(volume.notes);
    if (!notes || !serverIds.has(notes.serverId)) continue;
    count++;
    bytes += volume.size;
  }
  return { count, bytes };
}

/** Reasons a retention counts; the automatic backups before a delete or restore are kept by age instead. */
const RETAINED: readonly BackupReason[] = ['manual', 'scheduled'];

/**
 * Which of the server's backups to remove: GuildServer's own manual and scheduled ones beyond the retention
 * (PVE's prune-backups rules, over these alone), and its before-delete or before-restore ones older than
 * `keepAutomaticDays`. Pinned backups and backups made outside GuildServer are never chosen.
 */
export function backupsToRemove(
  backups: readonly Backup[],
  retention: PruneOptions,
  keepAutomaticDays: number,
  nowMs: number,
): Backup[] {
  const ours = backups.filter((b) => b.madeBy === 'guildserver');
  const retained = ours.filter((b) => b.reason !== null && RETAINED.includes(b.reason));
  const marks = pruneMarks(
    retained.map((b) => ({
      volid: b.volid,
      ctime: Date.parse(b.createdAt) / 1000,
      type: 'qemu',
      // One group for the server, whatever VM id each backup was taken under.
      vmid: 0,
      protected: b.protected,
      standardName: true,
    })),
    retention,
  );
  const removed = new Set(marks.filter((m) => m.mark === 'remove').map((m) => m.volid));
  const cutoff = nowMs - keepAutomaticDays * 86_400_000;
  return ours.filter(
    (b) =>
      !b.protected &&
      (removed.has(b.volid) ||
        (b.reason !== null && !RETAINED.includes(b.reason) && Date.parse(b.createdAt) < cutoff)),
  );
}

/** `keep-last=3,keep-daily=7`, for people. */
export function retentionText(retention: PruneOptions): string {
  const parts = Object.entries(retention)
    .filter(([, value]) => typeof value === 'number' && value > 0)
    .map(([key, value]) => `${key}=${value}`);
  return parts.length > 0 ? parts.join(',') : 'keep-all';
}
