import { scheduleListView } from '../../rendering/schedules.js';
import type { CommandHandler } from '../types.js';

/** /server schedule list name: each schedule, its next run and its last run's outcome; the time zone. */
export const listSchedules: CommandHandler = async (services, asker, interaction) => {
  const server = await services.servers.resolve(
    asker.guildId,
    interaction.options.getString('name', true),
    asker.acting,
  );
  const { schedules } = await services.schedules.list(server.id, { acting: asker.acting });
  return scheduleListView(server, schedules);
};
