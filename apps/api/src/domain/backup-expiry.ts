// The automatic backups — a deleted server's final one, the one made before a restore — are kept
// BACKUP_KEEP_DELETED_DAYS, then removed (pinned ones never), whether or not their server still exists. The
// hourly `system:backup-expiry` job scheduler runs this.

import type { BackupReason } from '@guildserver/contracts';
import type { BackupVolume } from '@guildserver/proxmox';
import { parseBackupNotes } from './backup-listing.js';

const AUTOMATIC: readonly BackupReason[] = ['before-delete', 'before-restore'];

/** The automatic backups older than `keepDays` at `nowMs`, unpinned, among these volumes. */
export function expiredAutomaticBackups(
  volumes: readonly BackupVolume[],
  keepDays: number,
  nowMs: number,
): BackupVolume[] {
  const cutoff = nowMs / 1000 - keepDays * 86_400;
  return volumes.filter((volume) => {
    const notes = parseBackupNotes(volume.notes);
    const pinned = volume.protected === 1 || volume.protected === true;
    return notes && AUTOMATIC.includes(notes.reason) && !pinned && (volume.ctime ?? 0) < cutoff;
  });
}
