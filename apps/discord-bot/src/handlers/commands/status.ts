import { statusView } from '../../rendering/views.js';
import type { CommandHandler } from '../types.js';

/** /server status name: the server as it is, with Start/Stop/Restart buttons. */
export const serverStatus: CommandHandler = async (services, asker, interaction) => {
  const server = await services.servers.resolve(
    asker.guildId,
    interaction.options.getString('name', true),
    asker.acting,
  );
  return statusView(server, services.config.hostExternal, services.catalog.cached());
};
