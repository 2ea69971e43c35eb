// What /server backup restore|delete|pin act on: the server its `name` option means, and the backup its
// `backup` option means among the server's backups as the API lists them now.
import type { Backup, Server } from '@guildserver/contracts';
import type { ChatInputCommandInteraction } from 'discord.js';
import { BotError } from '../core/bot-error.js';
import type { Asker, BotServices } from '../core/services.js';
import { backupChoices } from './autocomplete/backup.js';
import { pickChoice } from './pick-choice.js';

/** The backup picked from autocomplete (its id), or typed like a choice's name when that names just one. */
export function pickBackup(
  backups: readonly Backup[],
  text: string,
  server: Pick<Server, 'name'>,
  now: number,
): Backup {
  const picked = pickChoice(backups, text, (items, typed) => backupChoices(items, typed, now));
  if (picked) return picked;
  throw new BotError(
    'backup_not_found',
    `**${server.name}** has no backup “${text.trim().slice(0, 40)}”; pick one from the list that appears as you type.`,
  );
}

export async function backupTarget(
  services: BotServices,
  asker: Asker,
  interaction: ChatInputCommandInteraction,
): Promise<{ server: Server; backup: Backup }> {
  const server = await services.servers.resolve(
    asker.guildId,
    interaction.options.getString('name', true),
    asker.acting,
  );
  const { backups } = await services.backups.list(server.id, { acting: asker.acting });
  const backup = pickBackup(backups, interaction.options.getString('backup', true), server, services.now());
  return { server, backup };
}
