import { normaliseName } from '../../command-definitions/options.js';
import { backupTarget } from '../backup-target.js';
import { startServerJob } from '../start-job.js';
import type { CommandHandler } from '../types.js';

/**
 * /server backup copy name backup new-name: a new server with the backup's world, owned by the asker and
 * announced in this channel; the reply follows the copy job as /server create's follows a create.
 */
export const copyBackup: CommandHandler = async (services, asker, interaction) => {
  const { server, backup } = await backupTarget(services, asker, interaction);
  const name = normaliseName(interaction.options.getString('new-name', true));
  return startServerJob(
    services,
    asker,
    interaction,
    server,
    { kind: 'copy', backupId: backup.id, name, channelId: asker.channelId },
    'command',
  );
};
