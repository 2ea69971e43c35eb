import { scheduleRemovedSentence } from '../../rendering/schedules.js';
import { plainView } from '../../rendering/views.js';
import { scheduleTarget } from '../schedule-target.js';
import type { CommandHandler } from '../types.js';

/** /server schedule remove name schedule: the schedule picked from autocomplete. */
export const removeSchedule: CommandHandler = async (services, asker, interaction) => {
  const { server, schedule } = await scheduleTarget(services, asker, interaction);
  await services.api.removeSchedule(server.id, schedule.id, { acting: asker.acting });
  return plainView(scheduleRemovedSentence(server, schedule));
};
