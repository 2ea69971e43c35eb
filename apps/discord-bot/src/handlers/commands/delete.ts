import { deleteConfirmView } from '../../rendering/views.js';
import type { CommandHandler } from '../types.js';

/** /server delete name: asks first (a button, or typing the name); refuses while players are online. */
export const deleteServer: CommandHandler = async (services, asker, interaction) => {
  const server = await services.servers.resolve(
    asker.guildId,
    interaction.options.getString('name', true),
    asker.acting,
  );
  return deleteConfirmView(server, asker.admin);
};
