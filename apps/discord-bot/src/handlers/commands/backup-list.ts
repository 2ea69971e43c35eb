import { backupListView } from '../../rendering/backups.js';
import type { CommandHandler } from '../types.js';

/** /server backup list name: the server's backups, the guild's use of its quota, the retention. */
export const listBackups: CommandHandler = async (services, asker, interaction) => {
  const server = await services.servers.resolve(
    asker.guildId,
    interaction.options.getString('name', true),
    asker.acting,
  );
  return backupListView(server, await services.backups.list(server.id, { acting: asker.acting }));
};
