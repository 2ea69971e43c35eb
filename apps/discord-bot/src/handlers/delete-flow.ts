// Deleting asks first; the decision is taken again on a fresh read when the user confirms.
import { SERVER_NAME_MAX_LENGTH, SERVER_NAME_MIN_LENGTH, type Server } from '@guildserver/contracts';
import {
  ActionRowBuilder,
  type ButtonInteraction,
  ModalBuilder,
  type ModalSubmitInteraction,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import { BotError } from '../core/bot-error.js';
import { DELETE_MODAL_NAME_FIELD, encodeCustomId } from '../core/custom-ids.js';
import type { Asker, BotServices } from '../core/services.js';
import { deleteConfirmView } from '../rendering/views.js';
import { startServerJob } from './start-job.js';
import type { HandlerResult } from './types.js';

/** What decides a delete, given a fresh read: refuse while players are online unless an admin forces it. */
export function deleteVerdict(
  server: Pick<Server, 'players'>,
  force: boolean,
  admin: boolean,
): 'go' | 'players_online' {
  const online = server.players?.online ?? 0;
  if (online === 0) return 'go';
  return force && admin ? 'go' : 'players_online';
}

export async function confirmDelete(
  services: BotServices,
  asker: Asker,
  interaction: ButtonInteraction | ModalSubmitInteraction,
  serverId: string,
  force: boolean,
): Promise<HandlerResult> {
  if (force && !asker.admin)
    throw new BotError('admin_only', 'Only server admins can delete a server while people play on it.');
  const server = await services.api.getServer(serverId, { acting: asker.acting });
  if (deleteVerdict(server, force, asker.admin) === 'players_online')
    return deleteConfirmView(server, asker.admin);
  return startServerJob(services, asker, interaction, server, { kind: 'delete' }, 'command');
}

export function deleteModal(server: Pick<Server, 'id' | 'name'>) {
  return new ModalBuilder()
    .setCustomId(encodeCustomId({ kind: 'delete-modal', serverId: server.id }))
    .setTitle(`Delete ${server.name}`.slice(0, 45))
    .addComponents(
      new ActionRowBuilder<TextInputBuilder>().addComponents(
        new TextInputBuilder()
          .setCustomId(DELETE_MODAL_NAME_FIELD)
          .setLabel('Type the server’s name to delete it')
          .setStyle(TextInputStyle.Short)
          .setPlaceholder(server.name)
          .setMinLength(SERVER_NAME_MIN_LENGTH)
          .setMaxLength(SERVER_NAME_MAX_LENGTH)
          .setRequired(true),
      ),
    );
}
