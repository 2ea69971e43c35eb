// Starting a job for a user: the API call runs through the notifier, which remembers the interaction (token,
// time, channel) so progress and the final notice find their way back, and shows the first progress.
import type { Accepted, ApiClient, CallOptions } from '@guildserver/api-client';
import type { Server, ServerAction } from '@guildserver/contracts';
import type { ButtonInteraction, ChatInputCommandInteraction, ModalSubmitInteraction } from 'discord.js';
import type { Asker, BotServices } from '../core/services.js';
import type { HandlerResult } from './types.js';

/** A job on an existing (or deleted) server, as a user asks for it. */
export type ServerJob =
  | { kind: ServerAction | 'delete' }
  | { kind: 'backup'; pinned: boolean }
  | { kind: 'restore'; backupId: string }
  /** A new server `name` from one of this server's backups; its notices go to `channelId`. */
  | { kind: 'copy'; backupId: string; name: string; channelId: string }
  /** Undoing a delete, from the server's newest final backup. */
  | { kind: 'recreate' };

/** The API call that queues the job. */
function queueJob(api: ApiClient, serverId: string, job: ServerJob, options: CallOptions): Promise<Accepted> {
  switch (job.kind) {
    case 'delete':
      return api.deleteServer(serverId, options);
    case 'backup':
      return api.backUp(serverId, job.pinned ? { protected: true } : {}, options);
    case 'restore':
      return api.restoreBackup(serverId, job.backupId, options);
    case 'copy':
      return api.copyBackup(
        serverId,
        { backupId: job.backupId, name: job.name, channelId: job.channelId },
        options,
      );
    case 'recreate':
      return api.undelete(serverId, undefined, options);
    default:
      return api.act(serverId, job.kind, options);
  }
}

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
  server: Pick<Server, 'id'>,
  job: ServerJob,
  origin: 'command' | 'status',
): Promise<HandlerResult> {
  const options = { acting: asker.acting, idempotencyKey: `discord-${interaction.id}` };
  await services.notices.startJob(
    () => queueJob(services.api, server.id, job, options),
    originOf(services, asker, interaction, origin),
    job.kind,
  );
  return 'answered';
}
