import { statusView } from '../../rendering/views.js';
import type { CommandHandler } from '../types.js';

/** /server idle-sleep name after: the owner's idle sleep for their server (`default`: the guild's again). */
export const setIdleSleep: CommandHandler = async (services, asker, interaction) => {
  const server = await services.servers.resolve(
    asker.guildId,
    interaction.options.getString('name', true),
    asker.acting,
  );
  const typed = interaction.options.getString('after', true).trim().toLowerCase();
  const updated = await services.api.setIdleSleep(server.id, typed === 'default' ? null : typed, {
    acting: asker.acting,
  });
  const view = statusView(updated, services.config.hostExternal, await services.catalog.forDisplay());
  return { ...view, content: 'Saved.' };
};
