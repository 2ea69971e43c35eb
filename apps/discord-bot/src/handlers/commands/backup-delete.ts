import { backupChangedSentence } from '../../rendering/backups.js';
import { plainView } from '../../rendering/views.js';
import { backupTarget } from '../backup-target.js';
import type { CommandHandler } from '../types.js';

/** /server backup delete name backup: the API refuses a pinned one, in its own words. */
export const deleteBackup: CommandHandler = async (services, asker, interaction) => {
  const { server, backup } = await backupTarget(services, asker, interaction);
  await services.api.deleteBackup(server.id, backup.id, { acting: asker.acting });
  return plainView(backupChangedSentence(server, backup, 'deleted'));
};
