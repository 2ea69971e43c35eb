// Each guild's settings (time zone, admin channel) as last read, for the notices that need the admin channel:
// read by the bot itself (acting for nobody) at most once a minute per guild, and remembered at once when an
// admin changes them through /server settings.
import type { ApiClient } from '@guildserver/api-client';
import type { GuildSettings } from '@guildserver/contracts';

const SETTINGS_TTL_MS = 60_000;

export class GuildSettingsLookup {
  private readonly settings = new Map<string, { value: GuildSettings; readAt: number }>();

  constructor(
    private readonly api: ApiClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** The guild's settings, read again when the last read is older than a minute; the old ones if that fails. */
  async get(guildId: string): Promise<GuildSettings | undefined> {
    const known = this.settings.get(guildId);
    if (known && this.now() - known.readAt < SETTINGS_TTL_MS) return known.value;
    try {
      const value = await this.api.guildSettings(guildId, { timeoutMs: 5_000 });
      this.remember(value);
      return value;
    } catch (error) {
      if (known) return known.value;
      throw error;
    }
  }

  /** What an admin just set (or read) through /server settings. */
  remember(value: GuildSettings): void {
    this.settings.set(value.guildId, { value, readAt: this.now() });
  }
}
