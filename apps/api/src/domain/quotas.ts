import type { QuotaScope } from '@guildserver/contracts';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { QuotaLimits } from '../config.js';
import type { Db } from '../db/database.js';
import { quotas, servers } from '../db/schema.js';
import { DomainError } from './errors.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** The database or a transaction in it. */
type Reader = Pick<Db | Tx, 'select'>;

export interface Usage {
  servers: number;
  cores: number;
  memoryMiB: number;
}

/** What a guild's or user's live servers use (failed ones do not count). */
export function usageOf(db: Reader, scope: QuotaScope, id: string): Usage {
  const column = scope === 'guild' ? servers.guildId : servers.ownerId;
  const row = db
    .select({
      servers: sql<number>`count(*)`,
      cores: sql<number>`coalesce(sum(${servers.cores}), 0)`,
      memoryMiB: sql<number>`coalesce(sum(${servers.memoryMiB}), 0)`,
    })
    .from(servers)
    .where(and(eq(column, id), isNull(servers.deletedAt), ne(servers.state, 'failed')))
    .get();
  return row ?? { servers: 0, cores: 0, memoryMiB: 0 };
}

/** The limits stored for a guild or user, if the admin set any. */
export function quotaOverride(db: Reader, scope: QuotaScope, id: string) {
  return db
    .select()
    .from(quotas)
    .where(and(eq(quotas.scope, scope), eq(quotas.subjectId, id)))
    .get();
}

function limitsFor(tx: Tx, scope: QuotaScope, id: string, defaults: QuotaLimits): QuotaLimits {
  const row = quotaOverride(tx, scope, id);
  return {
    servers: row?.maxServers ?? defaults.servers,
    cores: row?.maxCores ?? defaults.cores,
    memoryMiB: row?.maxMemoryMiB ?? defaults.memoryMiB,
  };
}

function check(
  scope: string,
  used: Usage,
  limits: QuotaLimits,
  adding: { cores: number; memoryMiB: number },
): void {
  if (used.servers + 1 > limits.servers) {
    throw new DomainError(
      'quota_exceeded',
      `The ${scope} already has ${used.servers} of its ${limits.servers} servers; delete one first.`,
    );
  }
  if (used.cores + adding.cores > limits.cores) {
    throw new DomainError(
      'quota_exceeded',
      `That would use ${used.cores + adding.cores} of the ${scope}'s ${limits.cores} cores; pick a smaller size or delete a server.`,
    );
  }
  if (used.memoryMiB + adding.memoryMiB > limits.memoryMiB) {
    throw new DomainError(
      'quota_exceeded',
      `That would use ${used.memoryMiB + adding.memoryMiB} MiB of the ${scope}'s ${limits.memoryMiB} MiB of memory; pick a smaller size or delete a server.`,
    );
  }
}

/** Checked inside the create transaction, so two concurrent creates cannot both squeeze under a limit. */
export function enforceQuotas(
  tx: Tx,
  guildId: string,
  ownerId: string,
  adding: { cores: number; memoryMiB: number },
  defaults: { guild: QuotaLimits; user: QuotaLimits },
): void {
  check('guild', usageOf(tx, 'guild', guildId), limitsFor(tx, 'guild', guildId, defaults.guild), adding);
  check('user', usageOf(tx, 'user', ownerId), limitsFor(tx, 'user', ownerId, defaults.user), adding);
}
