// Starting a job for a user: the API call runs through the notifier, which remembers the interaction (token,
// time, channel) so progress and the final notice find their way back, and shows the first progress.
import type { Server, ServerAction } from '@guildserver/contracts';
import type { ButtonInteraction, ChatInputCommandInteraction, ModalSubmitInteraction } from 'discord.js';
import type { Asker, BotServices } from '../core/services.js';
import type { HandlerResult } from './types.js';

type Answerable = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

export function originOf(
  services: BotServices,
  asker: Asker,
  interaction: Answerable,
  origin: 'command' | 'status',
) {
  return {
    applicationId: services.applicationId(),
    token: interaction.token,
    receivedAt: asker.receivedAt,
    userId: asker.userId,
    guildId: asker.guildId,
    channelId: asker.channelId,
    origin,
  };
}

export async function startServerJob(
  services: BotServices,
  asker: Asker,
  interaction: Answerable,
  server: Pick<Server, 'id' | 'guildId'>,
  action: ServerAction | 'delete',
  origin: 'command' | 'status',
): Promise<HandlerResult> {
  const options = { acting: asker.acting, idempotencyKey: `discord-${interaction.id}` };
  await services.notices.startJob(
    () =>
      action === 'delete'
        ? services.api.deleteServer(server.id, options)
        : services.api.act(server.id, action, options),
    originOf(services, asker, interaction, origin),
    action,
  );
  return 'answered';
}
