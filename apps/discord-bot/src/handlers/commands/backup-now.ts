import { startServerJob } from '../start-job.js';
import type { CommandHandler } from '../types.js';

/** /server backup now name [pin]: the backup job, its progress and its notice, as for /server start. */
export const backUpNow: CommandHandler = async (services, asker, interaction) => {
  const server = await services.servers.resolve(
    asker.guildId,
    interaction.options.getString('name', true),
    asker.acting,
  );
  const pinned = interaction.options.getBoolean('pin') ?? false;
  return startServerJob(services, asker, interaction, server, { kind: 'backup', pinned }, 'command');
};
