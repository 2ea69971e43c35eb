// What /server schedule remove acts on: the server its `name` option means, and the schedule its `schedule`
// option means among the server's schedules as the API lists them now.
import type { Schedule, Server } from '@guildserver/contracts';
import type { ChatInputCommandInteraction } from 'discord.js';
import { BotError } from '../core/bot-error.js';
import type { Asker, BotServices } from '../core/services.js';
import { scheduleChoices } from './autocomplete/schedule.js';
import { pickChoice } from './pick-choice.js';

/** The schedule picked from autocomplete (its id), or typed like a choice (`restart daily 04:30`). */
export function pickSchedule(schedules: readonly Schedule[], text: string, server: Pick<Server, 'name'>) {
  const picked = pickChoice(schedules, text, scheduleChoices);
  if (picked) return picked;
  throw new BotError(
    'schedule_not_found',
    `**${server.name}** has no schedule “${text.trim().slice(0, 40)}”; pick one from the list that appears as you type.`,
  );
}

export async function scheduleTarget(
  services: BotServices,
  asker: Asker,
  interaction: ChatInputCommandInteraction,
): Promise<{ server: Server; schedule: Schedule }> {
  const server = await services.servers.resolve(
    asker.guildId,
    interaction.options.getString('name', true),
    asker.acting,
  );
  const { schedules } = await services.schedules.list(server.id, { acting: asker.acting });
  const schedule = pickSchedule(schedules, interaction.options.getString('schedule', true), server);
  return { server, schedule };
}
