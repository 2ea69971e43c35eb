import type { QuotaScope } from '@guildserver/contracts';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { QuotaCounts, QuotaLimits, QuotasConfig } from '../config.js';
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

/**
 * What a guild's or user's live servers use (failed ones do not count). With QUOTA_COUNTS=awake, the cores and
 * memory of servers at rest (stopped or asleep: their VM holds none) do not count either; their number does.
 */
export function usageOf(db: Reader, scope: QuotaScope, id: string, counts: QuotaCounts = 'all'): Usage {
  const column = scope === 'guild' ? servers.guildId : servers.ownerId;
  const atRest = counts === 'awake' ? sql`${servers.state} in ('stopped', 'sleeping')` : sql`0`;
  const row = db
    .select({
      servers: sql<number>`count(*)`,
      cores: sql<number>`coalesce(sum(case when ${atRest} then 0 else ${servers.cores} end), 0)`,
      memoryMiB: sql<number>`coalesce(sum(case when ${atRest} then 0 else ${servers.memoryMiB} end), 0)`,
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

/** What a request adds: a new server (a create, an undelete) or an existing one coming up (QUOTA_COUNTS=awake). */
type Adding = { cores: number; memoryMiB: number; comingUp?: boolean };

function check(scope: string, used: Usage, limits: QuotaLimits, adding: Adding, counts: QuotaCounts): void {
  const awake = counts === 'awake' ? ' awake' : '';
  const remedy = adding.comingUp
    ? 'put another server to sleep or stop one first'
    : counts === 'awake'
      ? 'pick a smaller size, or stop or delete a server'
      : 'pick a smaller size or delete a server';
  if (!adding.comingUp && used.servers + 1 > limits.servers) {
    throw new DomainError(
      'quota_exceeded',
      `The ${scope} already has ${used.servers} of its ${limits.servers} servers; delete one first.`,
    );
  }
  if (used.cores + adding.cores > limits.cores) {
    throw new DomainError(
      'quota_exceeded',
      `That would use ${used.cores + adding.cores} of the ${scope}'s ${limits.cores}${awake} cores; ${remedy}.`,
    );
  }
  if (used.memoryMiB + adding.memoryMiB > limits.memoryMiB) {
    throw new DomainError(
      'quota_exceeded',
      `That would use ${used.memoryMiB + adding.memoryMiB} MiB of the ${scope}'s ${limits.memoryMiB} MiB of${awake} memory; ${remedy}.`,
    );
  }
}

/**
 * Checked inside the transaction that queues the job, so two concurrent requests cannot both squeeze under a
 * limit. `comingUp`: a stopped or sleeping server starts or wakes (checked only with QUOTA_COUNTS=awake).
 */
export function enforceQuotas(
  tx: Tx,
  guildId: string,
  ownerId: string,
  adding: Adding,
  defaults: QuotasConfig,
): void {
  const { counts } = defaults;
  check(
    'guild',
    usageOf(tx, 'guild', guildId, counts),
    limitsFor(tx, 'guild', guildId, defaults.guild),
    adding,
    counts,
  );
  check(
    'user',
    usageOf(tx, 'user', ownerId, counts),
    limitsFor(tx, 'user', ownerId, defaults.user),
    adding,
    counts,
  );
}
