// `gs quota get|set <guild|user> <id>`: a guild's or a user's limits (servers, cores, memory), through
// GET/PUT /v1/quotas/{scope}/{id} (admin tokens only).
import type { Quota, QuotaLimits, QuotaScope } from '@guildserver/api-client';
import { InvalidArgumentError } from 'commander';
import { CliError } from '../errors.js';
import { type CommandContext, indentedTable, printJson, say } from './context.js';
import type { JsonOption } from './servers.js';

/** A limit as typed: a whole number, or `default` to fall back to QUOTA_GUILD_* / QUOTA_USER_*. */
export type LimitInput = number | 'default';

export interface QuotaFlags extends JsonOption {
  servers?: LimitInput;
  cores?: LimitInput;
  memory?: LimitInput;
}

/** `guild <id>` or `user <id>`, checked before any request. */
export function parseSubject(scope: string, id: string): { scope: QuotaScope; id: string } {
  if (scope !== 'guild' && scope !== 'user')
    throw new CliError(`A quota is for a guild or a user: write guild or user, not '${scope}'.`, 'usage');
  if (!/^\d{17,20}$/.test(id))
    throw new CliError(`'${id}' is not a Discord ${scope} id (17 to 20 digits).`, 'usage');
  return { scope, id };
}

/** For commander: a whole number, or `default`. */
export function parseLimit(text: string): LimitInput {
  if (text === 'default') return 'default';
  if (!/^\d{1,9}$/.test(text))
    throw new InvalidArgumentError('it must be a whole number from 0 up, or default.');
  return Number(text);
}

const ROWS: { key: keyof QuotaLimits; label: string; used: keyof Quota['usage']; unit: string }[] = [
  { key: 'maxServers', label: 'servers', used: 'servers', unit: '' },
  { key: 'maxCores', label: 'cores', used: 'cores', unit: '' },
  { key: 'maxMemoryMiB', label: 'memory', used: 'memoryMiB', unit: ' MiB' },
];

function printQuota(ctx: CommandContext, q: Quota): void {
  say(ctx, `${q.scope} ${q.id}`);
  const rows = ROWS.map(({ key, label, used, unit }) => [
    label,
    `${q.usage[used]} of ${q.effective[key]}${unit} used`,
    q.override[key] === null ? '(default)' : `(set for this ${q.scope})`,
  ]);
  say(ctx, indentedTable(rows));
}

export async function getQuota(
  ctx: CommandContext,
  scope: string,
  id: string,
  options: JsonOption,
): Promise<number> {
  const subject = parseSubject(scope, id);
  const quota = await ctx.api().quota(subject.scope, subject.id);
  if (options.json) printJson(ctx, quota);
  else printQuota(ctx, quota);
  return 0;
}

/** Changes only the limits given; the others keep what is stored. */
export async function setQuota(
  ctx: CommandContext,
  scope: string,
  id: string,
  options: QuotaFlags,
): Promise<number> {
  const subject = parseSubject(scope, id);
  const given: Partial<Record<keyof QuotaLimits, LimitInput>> = {
    maxServers: options.servers,
    maxCores: options.cores,
    maxMemoryMiB: options.memory,
  };
  if (Object.values(given).every((value) => value === undefined))
    throw new CliError('gs quota set needs at least one of --servers, --cores and --memory.', 'usage');
  const client = ctx.api();
  const stored = (await client.quota(subject.scope, subject.id)).override;
  const limits = { ...stored };
  for (const { key } of ROWS) {
    const value = given[key];
    if (value !== undefined) limits[key] = value === 'default' ? null : value;
  }
  const quota = await client.setQuota(subject.scope, subject.id, limits);
  if (options.json) printJson(ctx, quota);
  else printQuota(ctx, quota);
  return 0;
}
