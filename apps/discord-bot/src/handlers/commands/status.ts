import type { ServerCredentials } from '@guildserver/contracts';
import { statusView } from '../../rendering/views.js';
import type { CommandHandler } from '../types.js';

/**
 * /server status name: the server as it is, with Start/Stop/Restart buttons. Its owner and the guild's admins
 * also see the passwords GuildServer generated for it (the reply is ephemeral: only they see it).
 */
export const serverStatus: CommandHandler = async (services, asker, interaction) => {
  const server = await services.servers.resolve(
    asker.guildId,
    interaction.options.getString('name', true),
    asker.acting,
  );
  let credentials: ServerCredentials['credentials'] = [];
  if (server.state !== 'deleted' && (asker.admin || asker.userId === server.ownerId)) {
    try {
      ({ credentials } = await services.api.serverCredentials(server.id, { acting: asker.acting }));
    } catch (error) {
      services.logger.warn({ err: error, serverId: server.id }, 'could not read the server credentials');
    }
  }
  return statusView(server, services.config.hostExternal, await services.catalog.forDisplay(), credentials);
};
