import type { ScheduleAction } from '@guildserver/contracts';
import { scheduleRequest } from '../../command-definitions/schedule-options.js';
import { scheduleAddedSentence } from '../../rendering/schedules.js';
import { plainView } from '../../rendering/views.js';
import type { CommandHandler } from '../types.js';

/** /server schedule add name action (at | every): one schedule, its next run, the guild's time zone. */
export const addSchedule: CommandHandler = async (services, asker, interaction) => {
  const { options } = interaction;
  // Checked before the server is looked up: a request that can never pass is said at once.
  const request = scheduleRequest(
    options.getString('action', true) as ScheduleAction,
    options.getString('at'),
    options.getInteger('every'),
  );
  const server = await services.servers.resolve(asker.guildId, options.getString('name', true), asker.acting);
  const schedule = await services.api.addSchedule(server.id, request, { acting: asker.acting });
  return plainView(scheduleAddedSentence(server, schedule));
};
