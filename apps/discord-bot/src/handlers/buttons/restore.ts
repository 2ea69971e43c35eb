import { plainView } from '../../rendering/views.js';
import { startServerJob } from '../start-job.js';
import type { ButtonHandler } from '../types.js';

/**
 * The restore confirmation's buttons. Restore starts the job and the same message shows its progress and end;
 * the API checks again that the one clicking may act on the server, and that the backup is still there.
 */
export const restoreButton: ButtonHandler<'restore'> = async (services, asker, interaction, id) => {
  if (id.step === 'cancel') return plainView('Nothing was restored.');
  const job = { kind: 'restore', backupId: id.backupId } as const;
  return startServerJob(services, asker, interaction, { id: id.serverId }, job, 'command');
};
