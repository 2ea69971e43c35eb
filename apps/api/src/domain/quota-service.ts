import type { QuotaScope } from '@guildserver/contracts';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import { quotas } from '../db/schema.js';
import type { Actor } from './actor.js';
import { auditAdmin } from './admin.js';
import { now } from './ids.js';
import { quotaOverride, usageOf } from './quotas.js';

/** A limit, or null (or absent) to fall back to the configured default (QUOTA_GUILD_* / QUOTA_USER_*). */
export interface QuotaOverride {
  maxServers?: number | null | undefined;
  maxCores?: number | null | undefined;
  maxMemoryMiB?: number | null | undefined;
}

/** Quotas as the admin reads and sets them: the override stored, the limits in force and the usage. */
export function createQuotaService(db: Db, config: Pick<ApiConfig, 'quotas'>, logger: Logger) {
  const view = (scope: QuotaScope, id: string) => {
    const row = quotaOverride(db, scope, id);
    const defaults = config.quotas[scope];
    const override = {
      maxServers: row?.maxServers ?? null,
      maxCores: row?.maxCores ?? null,
      maxMemoryMiB: row?.maxMemoryMiB ?? null,
    };
    return {
      scope,
      id,
      override,
      effective: {
        maxServers: override.maxServers ?? defaults.servers,
        maxCores: override.maxCores ?? defaults.cores,
        maxMemoryMiB: override.maxMemoryMiB ?? defaults.memoryMiB,
      },
      usage: usageOf(db, scope, id, config.quotas.counts),
      updatedAt: row?.updatedAt ?? null,
    };
  };

  return {
    get: view,

    set(scope: QuotaScope, id: string, limits: QuotaOverride, actor: Actor) {
      const values = {
        maxServers: limits.maxServers ?? null,
        maxCores: limits.maxCores ?? null,
        maxMemoryMiB: limits.maxMemoryMiB ?? null,
        updatedAt: now(),
      };
      db.insert(quotas)
        .values({ scope, subjectId: id, ...values })
        .onConflictDoUpdate({ target: [quotas.scope, quotas.subjectId], set: values })
        .run();
      auditAdmin(db, actor, 'quota.set', { scope, subjectId: id, ...values }, scope === 'guild' ? id : null);
      logger.info({ scope, subjectId: id, ...values, by: actor.tokenId }, 'quota set');
      return view(scope, id);
    },
  };
}

export type QuotaService = ReturnType<typeof createQuotaService>;
