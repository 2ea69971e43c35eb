// The `name` option of /server backup undelete: the guild's deleted servers the bot saw deleted (the API lists
// live servers only), the user's own (every one for admins), that still have a final backup.
import type { Backup } from '@guildserver/contracts';
import type { AutocompleteInteraction } from 'discord.js';
import type { Asker } from '../../core/services.js';
import type { DeletedServer } from '../../state/bot-state.js';
import type { AutocompleteChoice, AutocompleteHandler } from '../types.js';

const MAX_CHOICES = 25;
/** Each is one backup listing: a handful keeps autocomplete within its deadline. */
const MAX_CHECKED = 10;

/** The deleted servers the user may bring back whose name or id holds what was typed, newest delete first. */
export function deletedServerCandidates(
  deleted: readonly DeletedServer[],
  asker: Pick<Asker, 'admin' | 'userId'>,
  typed: string,
): DeletedServer[] {
  const text = typed.trim().toLowerCase();
  return deleted.filter(
    (d) =>
      (asker.admin || d.ownerId === asker.userId) &&
      (text === '' || d.serverName.includes(text) || d.serverId === text),
  );
}

/** `survival · deleted 3 Dec 21:00 UTC`; the value is the server id. */
export function deletedServerChoice(deleted: DeletedServer): AutocompleteChoice {
  const at = new Date(deleted.deletedAt).toISOString().slice(0, 16).replace('T', ' ');
  return { name: `${deleted.serverName} · deleted ${at} UTC`.slice(0, 100), value: deleted.serverId };
}

const hasFinalBackup = (backups: readonly Backup[]) => backups.some((b) => b.reason === 'before-delete');

export const deletedServerAutocomplete: AutocompleteHandler = {
  async answer(services, asker, typed) {
    const candidates = deletedServerCandidates(
      services.notices.deletedServers(asker.guildId),
      asker,
      typed,
    ).slice(0, MAX_CHECKED);
    const options = { acting: asker.acting, timeoutMs: 1_500 };
    const checked = await Promise.all(
      candidates.map(async (d) => {
        const list = await services.api.backups(d.serverId, options).catch(() => undefined);
        return list && hasFinalBackup(list.backups) ? d : undefined;
      }),
    );
    return checked.filter((d) => d !== undefined).map(deletedServerChoice);
  },
  fallback(services, asker, typed) {
    return deletedServerCandidates(services.notices.deletedServers(asker.guildId), asker, typed)
      .slice(0, MAX_CHOICES)
      .map(deletedServerChoice);
  },
};

/** Whether an autocomplete is the `name` of /server backup undelete (the other subcommands' name is live). */
export const isUndelete = (interaction: AutocompleteInteraction) =>
  interaction.options.getSubcommandGroup(false) === 'backup' &&
  interaction.options.getSubcommand(false) === 'undelete';
