import type { ServerAction } from '@guildserver/contracts';
import { startServerJob } from '../start-job.js';
import type { CommandHandler } from '../types.js';

/** /server start|stop|restart name. */
export function serverAction(action: ServerAction): CommandHandler {
  return async (services, asker, interaction) => {
    const server = await services.servers.resolve(
      asker.guildId,
      interaction.options.getString('name', true),
      asker.acting,
    );
    return startServerJob(services, asker, interaction, server, { kind: action }, 'command');
  };
}
