import { plainView } from '../../rendering/views.js';
import { confirmDelete, deleteModal } from '../delete-flow.js';
import type { ButtonHandler } from '../types.js';

/** The delete confirmation's buttons: Delete, Type the name… (a modal), Delete anyway (admins), Cancel. */
export const deleteButton: ButtonHandler<'delete'> = async (services, asker, interaction, id) => {
  switch (id.step) {
    case 'cancel':
      return plainView('Nothing was deleted.');
    case 'type': {
      // A modal must be the first answer: the router did not defer this one. The name in the modal's title is
      // from the message's embed, so no API call has to come first.
      const title = interaction.message.embeds[0]?.title ?? '';
      const name = /^Delete (.+)\?$/.exec(title)?.[1] ?? 'the server';
      await interaction.showModal(deleteModal({ id: id.serverId, name }));
      return 'answered';
    }
    case 'confirm':
      return confirmDelete(services, asker, interaction, id.serverId, false);
    case 'force':
      return confirmDelete(services, asker, interaction, id.serverId, true);
  }
};
