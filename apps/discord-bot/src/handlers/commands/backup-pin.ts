import { backupChangedSentence } from '../../rendering/backups.js';
import { plainView } from '../../rendering/views.js';
import { backupTarget } from '../backup-target.js';
import type { CommandHandler } from '../types.js';

/** /server backup pin name backup [pinned]: pins (the default) or unpins a backup. */
export const pinBackup: CommandHandler = async (services, asker, interaction) => {
  const { server, backup } = await backupTarget(services, asker, interaction);
  const pinned = interaction.options.getBoolean('pinned') ?? true;
  await services.api.pinBackup(server.id, backup.id, pinned, { acting: asker.acting });
  return plainView(backupChangedSentence(server, backup, pinned ? 'pinned' : 'unpinned'));
};
