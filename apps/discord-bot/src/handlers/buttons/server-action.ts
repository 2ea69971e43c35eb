import { statusView } from '../../rendering/views.js';
import { startServerJob } from '../start-job.js';
import type { ButtonHandler } from '../types.js';

/** A status message's buttons. The server and the user's right to act are checked again on every click. */
export const serverButton: ButtonHandler<'server'> = async (services, asker, interaction, id) => {
  const server = await services.api.getServer(id.serverId, { acting: asker.acting });
  if (id.action === 'refresh')
    return statusView(server, services.config.hostExternal, await services.catalog.forDisplay());
  return startServerJob(services, asker, interaction, server, { kind: id.action }, 'status');
};
