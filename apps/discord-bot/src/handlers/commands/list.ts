import type { ListScope } from '../../core/custom-ids.js';
import type { Asker, BotServices } from '../../core/services.js';
import { listView, type MessageView } from '../../rendering/views.js';
import type { CommandHandler } from '../types.js';

/** A page of the list; `all` is for admins, everyone else sees their own with a note. */
export async function listPage(
  services: BotServices,
  asker: Asker,
  scope: ListScope,
  page: number,
): Promise<MessageView> {
  const all = scope === 'all' && asker.admin;
  const servers = await services.servers.all(asker.guildId, all ? undefined : asker.userId, {
    acting: asker.acting,
  });
  const sorted = [...servers].sort((a, b) => a.name.localeCompare(b.name));
  const note =
    scope === 'all' && !all ? 'Only server admins can list every server; these are yours.' : undefined;
  return listView(
    sorted,
    all ? 'all' : 'mine',
    page,
    services.config.hostExternal,
    note,
    await services.catalog.forDisplay(),
  );
}

/** /server list [scope]. */
export const listServers: CommandHandler = async (services, asker, interaction) => {
  const scope = interaction.options.getString('scope') === 'all' ? 'all' : 'mine';
  return listPage(services, asker, scope, 0);
};
