import type { ProxmoxClient } from '@guildserver/proxmox';
import type { BackupStore } from '../domain/backup-service.js';

/** The backup service's view of PROXMOX_BACKUP_STORAGE, over the Proxmox client. */
export function proxmoxBackupStore(proxmox: ProxmoxClient, storage: string): BackupStore {
  return {
    list: (node) => proxmox.storage.backups(node, storage),
    setProtected: (node, volid, pinned) =>
      proxmox.storage.updateVolumeAttributes(node, storage, volid, { protected: pinned }),
    remove: async (node, volid) => {
      const upid = await proxmox.storage.deleteVolume(node, storage, volid);
      if (upid) await proxmox.waitForTask(upid, { timeoutMs: 60_000 });
    },
  };
}
