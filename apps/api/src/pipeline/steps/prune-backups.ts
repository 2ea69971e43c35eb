import { isProxmoxError } from '@guildserver/proxmox';
import { backupsOfServer, backupsToRemove, retentionText } from '../../domain/backup-listing.js';
import type { Step } from '../context.js';
import { waitTask } from '../vm-adapter.js';

/**
 * prune_backups: the server's own backups beyond the retention (BACKUP_RETENTION, PVE's rules over GuildServer's
 * manual and scheduled backups only) and its automatic ones past BACKUP_KEEP_DELETED_DAYS are removed; pinned
 * backups and backups made outside GuildServer never are. Re-runnable: a backup already gone is skipped.
 */
export const pruneBackups: Step = {
  name: 'prune_backups',
  failure: 'backup_failed',
  async run(ctx) {
    const { backups } = ctx.deps.config;
    const { proxmox } = ctx.deps;
    const volumes = await proxmox.storage.backups(ctx.node, backups.storage);
    const listed = backupsOfServer(volumes, ctx.server);
    const remove = backupsToRemove(listed, backups.retention, backups.keepDeletedDays, Date.now());
    for (const backup of remove) {
      try {
        const upid = await proxmox.storage.deleteVolume(ctx.node, backups.storage, backup.volid);
        if (upid) await waitTask(ctx, upid);
      } catch (error) {
        if (!(isProxmoxError(error) && error.code === 'not_found')) throw error;
      }
      ctx.progress(`Removed ${backup.id} (retention).`);
    }
    const kept = listed.length - remove.length;
    return {
      detail: `Kept ${kept} backup${kept === 1 ? '' : 's'}, removed ${remove.length} (${retentionText(backups.retention)}).`,
    };
  },
};
