import { BotError } from '../../core/bot-error.js';
import { DELETE_MODAL_NAME_FIELD } from '../../core/custom-ids.js';
import { confirmDelete } from '../delete-flow.js';
import type { ModalHandler } from '../types.js';

/** The modal: the typed name must be the server's. */
export const deleteModalSubmit: ModalHandler<'delete-modal'> = async (services, asker, interaction, id) => {
  const typed = interaction.fields.getTextInputValue(DELETE_MODAL_NAME_FIELD).trim().toLowerCase();
  const server = await services.api.getServer(id.serverId, { acting: asker.acting });
  if (typed !== server.name) {
    throw new BotError(
      'name_mismatch',
      `That is not the server’s name; nothing was deleted. Type \`${server.name}\` exactly.`,
    );
  }
  return confirmDelete(services, asker, interaction, id.serverId, false);
};
