import type { UpdateGuildSettingsRequest } from '@guildserver/contracts';
import { canonicalTimeZone } from '../../command-definitions/time-zones.js';
import { BotError } from '../../core/bot-error.js';
import { settingsView } from '../../rendering/schedules.js';
import type { CommandHandler } from '../types.js';

export const SETTINGS_ADMIN_ONLY =
  'Only this guild’s admins (Manage Server, or the admin role) can see or change its GuildServer settings.';

/**
 * /server settings [time-zone] [admin-channel] [idle-sleep] [idle-sleep-max]: changes what is given, or shows
 * the settings. Admins only.
 */
export const guildSettings: CommandHandler = async (services, asker, interaction) => {
  if (!asker.admin) throw new BotError('admin_only', SETTINGS_ADMIN_ONLY);
  const zone = interaction.options.getString('time-zone');
  const channel = interaction.options.getChannel('admin-channel');
  const idleSleep = interaction.options.getString('idle-sleep');
  const idleSleepMax = interaction.options.getString('idle-sleep-max');
  const update: UpdateGuildSettingsRequest = {
    ...(zone !== null ? { timeZone: canonicalTimeZone(zone) } : {}),
    ...(channel ? { adminChannelId: channel.id } : {}),
    ...(idleSleep !== null ? { idleSleep: idleSleep.trim().toLowerCase() } : {}),
    ...(idleSleepMax !== null ? { idleSleepMax: idleSleepMax.trim().toLowerCase() } : {}),
  };
  const saving = Object.keys(update).length > 0;
  const call = { acting: asker.acting };
  const settings = saving
    ? await services.api.updateGuildSettings(asker.guildId, update, call)
    : await services.api.guildSettings(asker.guildId, call);
  services.settings.remember(settings);
  return settingsView(settings, saving);
};
