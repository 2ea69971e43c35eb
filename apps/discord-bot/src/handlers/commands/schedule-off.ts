import { offWindow } from '../../command-definitions/schedule-options.js';
import { offWindowSentence } from '../../rendering/schedules.js';
import { plainView } from '../../rendering/views.js';
import type { CommandHandler } from '../types.js';

/**
 * /server schedule off name from to: a stop at `from` and a start at `to`. When the API refuses the start,
 * the stop just added is taken back, so the window is made whole or not at all.
 */
export const scheduleOff: CommandHandler = async (services, asker, interaction) => {
  const { options } = interaction;
  const { stopAt, startAt } = offWindow(options.getString('from', true), options.getString('to', true));
  const server = await services.servers.resolve(asker.guildId, options.getString('name', true), asker.acting);
  const call = { acting: asker.acting };
  const stop = await services.api.addSchedule(server.id, { action: 'stop', at: stopAt }, call);
  try {
    const start = await services.api.addSchedule(server.id, { action: 'start', at: startAt }, call);
    return plainView(offWindowSentence(server, stop, start));
  } catch (error) {
    await services.api.removeSchedule(server.id, stop.id, call).catch((undo: unknown) => {
      services.logger.warn(
        { err: undo, scheduleId: stop.id },
        'could not take back the stop of an off window',
      );
    });
    throw error;
  }
};
