// What every handler is given: the bot's services, and who is asking.
import type { Acting, ApiClient } from '@guildserver/api-client';
import type { Logger } from 'pino';
import type { BackupLookup, GameCatalog, ScheduleLookup, ServerLookup } from '../api/caches.js';
import type { GuildSettingsLookup } from '../api/guild-settings.js';
import type { BotConfig } from '../config.js';
import type { Notifier } from '../notices/notifier.js';

export interface BotServices {
  config: BotConfig;
  logger: Logger;
  api: ApiClient;
  catalog: GameCatalog;
  servers: ServerLookup;
  backups: BackupLookup;
  schedules: ScheduleLookup;
  /** Each guild's settings as last read (the admin channel notices go to). */
  settings: GuildSettingsLookup;
  notices: Notifier;
  /** The application id, known from config or READY. */
  applicationId: () => string;
  now: () => number;
}

export interface Asker {
  userId: string;
  guildId: string;
  channelId: string;
  /** Manage Server, or the DISCORD_ADMIN_ROLE_ID role. */
  admin: boolean;
  /** What the API is told: the user, and the guild they are an admin of. */
  acting: Acting;
  /** When the bot received the interaction (the token lives 15 minutes from then). */
  receivedAt: number;
}
