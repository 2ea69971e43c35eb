// The idle-sleep settings as stored: the guild's (guild_settings) and each server's own (servers.idle_sleep),
// read into the rules of domain/sleep-policy.ts.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { guildSettings } from '../db/schema.js';
import {
  effectiveIdleSleep,
  type GuildSleepRules,
  guildSleepRules,
  type IdlePeriod,
} from './sleep-policy.js';

export function sleepRulesOf(
  db: Pick<Db, 'select'>,
  guildId: string,
  defaultAfterMs: number | null,
): GuildSleepRules {
  const row = db
    .select({ idleSleep: guildSettings.idleSleep, idleSleepMax: guildSettings.idleSleepMax })
    .from(guildSettings)
    .where(eq(guildSettings.guildId, guildId))
    .get();
  return guildSleepRules(row ?? { idleSleep: null, idleSleepMax: null }, defaultAfterMs);
}

/** A server's idle period, from its own setting and its guild's. */
export function serverIdleSleep(
  db: Pick<Db, 'select'>,
  server: { guildId: string; idleSleep: string | null },
  defaultAfterMs: number | null,
): IdlePeriod {
  return effectiveIdleSleep(sleepRulesOf(db, server.guildId, defaultAfterMs), server.idleSleep);
}
