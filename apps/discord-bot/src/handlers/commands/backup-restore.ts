import { restoreConfirmView } from '../../rendering/backups.js';
import { backupTarget } from '../backup-target.js';
import type { CommandHandler } from '../types.js';

/** /server backup restore name backup: asks first; the Restore button (buttons/restore.ts) starts the job. */
export const restoreBackup: CommandHandler = async (services, asker, interaction) => {
  const { server, backup } = await backupTarget(services, asker, interaction);
  return restoreConfirmView(server, backup);
};
