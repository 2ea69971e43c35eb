import { SERVER_ID_PATTERN } from '@guildserver/contracts';
import { normaliseName } from '../../command-definitions/options.js';
import { BotError } from '../../core/bot-error.js';
import { deletedServerCandidates } from '../autocomplete/deleted-server.js';
import { startServerJob } from '../start-job.js';
import type { CommandHandler } from '../types.js';

/**
 * /server backup undelete name: brings a deleted server back from its final backup, with the job's progress and
 * notice as for /server backup now. `name` is the id autocomplete offers (or one typed), or the name of a server
 * the bot saw deleted; the API decides whether it may come back and says why not.
 */
export const undeleteServer: CommandHandler = async (services, asker, interaction) => {
  const text = interaction.options.getString('name', true).trim();
  const serverId = SERVER_ID_PATTERN.test(text)
    ? text
    : deletedServerCandidates(services.notices.deletedServers(asker.guildId), asker, '').find(
        (d) => d.serverName === normaliseName(text),
      )?.serverId;
  if (!serverId)
    throw new BotError(
      'server_not_found',
      `No deleted server “${text.slice(0, 40)}” is known here; pick one from the list that appears as you type.`,
    );
  return startServerJob(services, asker, interaction, { id: serverId }, { kind: 'recreate' }, 'command');
};
