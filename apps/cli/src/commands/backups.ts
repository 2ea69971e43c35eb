// `gs backup now|list|pin|unpin|delete|restore`: a server's backups, through /v1/servers/{id}/backups and
// /v1/servers/{id}/restore. Making and restoring a backup are jobs, followed like `gs start --watch`.
import { createInterface } from 'node:readline/promises';
import type { ApiClient } from '@guildserver/api-client';
import { type Backup, SERVER_ID_PATTERN } from '@guildserver/contracts';
import { CliError } from '../errors.js';
import { type CommandContext, printJson, say, table } from './context.js';
import { followJob, type JsonOption, resolveServer } from './servers.js';

export interface ServerOption extends JsonOption {
  guild?: string;
}

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** 812.4 MiB, 3.4 GiB. */
const bytesText = (bytes: number) =>
  bytes < GIB ? `${(bytes / MIB).toFixed(1)} MiB` : `${(bytes / GIB).toFixed(1)} GiB`;

/** 2026-12-06 03:00, in this machine's time zone. */
function localTime(iso: string): string {
  const at = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** What the list shows of an id: the part after `vzdump-qemu-`, an ending of the id, so it may be typed back. */
const shortId = (id: string) => id.replace(/^vzdump-qemu-/, '');

/**
 * The server a backup command is about, as its id and a label. A server id is taken as it is, so a deleted
 * server's backups (its final backup) stay reachable; a name is looked up among the live servers.
 */
async function serverOf(client: ApiClient, nameOrId: string, guild?: string) {
  if (SERVER_ID_PATTERN.test(nameOrId)) return { id: nameOrId, label: nameOrId };
  const server = await resolveServer(client, nameOrId, guild);
  return { id: server.id, label: server.name };
}

/** `latest`, a full id, or an id's unique beginning or ending (as `gs backup list` shows it), among these. */
function findBackup(backups: readonly Backup[], wanted: string, label: string): Backup {
  const newest = [...backups].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (newest.length === 0)
    throw new CliError(`${label} has no backups; make one with \`gs backup now ${label}\`.`, 'not_found');
  if (wanted === 'latest') return newest[0]!;
  const exact = newest.find((b) => b.id === wanted);
  if (exact) return exact;
  const matches = newest.filter((b) => b.id.startsWith(wanted) || b.id.endsWith(wanted));
  if (matches.length === 1) return matches[0]!;
  const ids = (some: readonly Backup[]) => some.map((b) => shortId(b.id)).join(', ');
  if (matches.length > 1)
    throw new CliError(
      `'${wanted}' could be any of ${matches.length} backups of ${label} (${ids(matches)}); give more of the id.`,
      'ambiguous',
    );
  throw new CliError(
    `${label} has no backup '${wanted}'; its backups are ${ids(newest)} (or say latest).`,
    'not_found',
  );
}

/** `gs backup now <server> [--pin]`: queues a backup job and follows it; prints the backup it made. */
export async function backupNow(
  ctx: CommandContext,
  nameOrId: string,
  options: ServerOption & { pin?: boolean },
): Promise<number> {
  const client = ctx.api();
  const server = await resolveServer(client, nameOrId, options.guild);
  const accepted = await client.backUp(server.id, options.pin ? { protected: true } : {});
  if (!options.json) {
    const pinned = options.pin ? ', pinned' : '';
    say(ctx, `Backing up ${server.name} (${server.id})${pinned}; job ${accepted.jobId}.`);
  }
  return followJob(ctx, accepted.jobId, server.name, options);
}

/** `gs backup list <server>`: newest first, then the guild's use of its backup quota and the retention. */
export async function listBackups(
  ctx: CommandContext,
  nameOrId: string,
  options: ServerOption,
): Promise<number> {
  const client = ctx.api();
  const server = await serverOf(client, nameOrId, options.guild);
  const list = await client.backups(server.id);
  if (options.json) {
    printJson(ctx, list);
    return 0;
  }
  if (list.backups.length === 0)
    say(ctx, `${server.label} has no backups yet. Make one: gs backup now ${server.label}`);
  else {
    const rows = [['ID', 'WHEN', 'SIZE', 'REASON', 'MADE BY', 'PINNED']];
    for (const b of list.backups) {
      rows.push([
        shortId(b.id),
        localTime(b.createdAt),
        bytesText(b.size),
        b.reason ?? '-',
        b.madeBy,
        b.protected ? 'pinned' : '-',
      ]);
    }
    say(ctx, table(rows));
  }
  const { count, maxCount, bytes, maxBytes } = list.guild;
  const gib = (n: number) => String(Number((n / GIB).toFixed(1)));
  say(ctx, `\nThe guild keeps ${count} of ${maxCount} backups, ${gib(bytes)} of ${gib(maxBytes)} GiB.`);
  say(
    ctx,
    `Retention: ${list.retention} of manual and scheduled backups; pinned ones and those made outside GuildServer are never pruned.`,
  );
  return 0;
}

/** `gs backup pin|unpin <server> <backup>`. */
export async function pinBackup(
  ctx: CommandContext,
  nameOrId: string,
  wanted: string,
  pinned: boolean,
  options: ServerOption,
): Promise<number> {
  const client = ctx.api();
  const server = await serverOf(client, nameOrId, options.guild);
  const backup = findBackup((await client.backups(server.id)).backups, wanted, server.label);
  const changed = await client.pinBackup(server.id, backup.id, pinned);
  if (options.json) printJson(ctx, changed);
  else if (pinned)
    say(
      ctx,
      `Pinned ${changed.id} of ${server.label}: it is never pruned, and cannot be deleted until unpinned.`,
    );
  else say(ctx, `Unpinned ${changed.id} of ${server.label}: the retention may prune it now.`);
  return 0;
}

/** `gs backup delete <server> <backup>` (the API refuses a pinned one). */
export async function deleteBackup(
  ctx: CommandContext,
  nameOrId: string,
  wanted: string,
  options: ServerOption,
): Promise<number> {
  const client = ctx.api();
  const server = await serverOf(client, nameOrId, options.guild);
  const backup = findBackup((await client.backups(server.id)).backups, wanted, server.label);
  const deleted = await client.deleteBackup(server.id, backup.id);
  if (options.json) printJson(ctx, deleted);
  else say(ctx, `Deleted ${deleted.id} of ${server.label} (${bytesText(deleted.size)}).`);
  return 0;
}

async function confirmed(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

/** `gs backup restore <server> <backup> [--yes]`: asks first (on a terminal), then follows the restore job. */
export async function restoreBackup(
  ctx: CommandContext,
  nameOrId: string,
  wanted: string,
  options: ServerOption & { yes?: boolean },
): Promise<number> {
  const client = ctx.api();
  const server = await resolveServer(client, nameOrId, options.guild);
  const backup = findBackup((await client.backups(server.id)).backups, wanted, server.name);
  if (!options.yes) {
    const what = `${server.name}'s world with backup ${backup.id} of ${localTime(backup.createdAt)}`;
    if (!process.stdin.isTTY)
      throw new CliError(
        `Restoring replaces ${what}; pass --yes to confirm (there is no terminal to ask on).`,
        'confirmation_required',
      );
    const question = `Replace ${what}? The world as it is now is backed up first. [y/N] `;
    if (!(await confirmed(question))) throw new CliError('Nothing was restored.', 'cancelled');
  }
  const accepted = await client.restoreBackup(server.id, backup.id);
  if (!options.json)
    say(ctx, `Restoring ${server.name} (${server.id}) from ${backup.id}; job ${accepted.jobId}.`);
  return followJob(ctx, accepted.jobId, server.name, options);
}

/**
 * `gs backup copy <server> <backup> <new-name>`: a new server with the backup's world (same game and size, same
 * guild), followed to running. A deleted server's backups are named by its id.
 */
export async function copyBackup(
  ctx: CommandContext,
  nameOrId: string,
  wanted: string,
  name: string,
  options: ServerOption & { channel?: string },
): Promise<number> {
  const client = ctx.api();
  const serverId = SERVER_ID_PATTERN.test(nameOrId)
    ? nameOrId
    : (await resolveServer(client, nameOrId, options.guild)).id;
  const backup = findBackup((await client.backups(serverId)).backups, wanted, nameOrId);
  const accepted = await client.copyBackup(serverId, {
    backupId: backup.id,
    name,
    ...(options.channel ? { channelId: options.channel } : {}),
  });
  if (!options.json)
    say(
      ctx,
      `Copying backup ${backup.id} of ${nameOrId} into the new server ${accepted.server.name} (${accepted.server.id}); job ${accepted.jobId}.`,
    );
  return followJob(ctx, accepted.jobId, accepted.server.name, options);
}

/** `gs backup undelete <server id> [<backup>]`: a deleted server back from its final backup, followed to running. */
export async function undeleteServer(
  ctx: CommandContext,
  serverId: string,
  wanted: string | undefined,
  options: ServerOption,
): Promise<number> {
  if (!SERVER_ID_PATTERN.test(serverId))
    throw new CliError(
      `A deleted server is named by its id (srv_…), as \`gs delete\` printed it; '${serverId}' is not one.`,
      'invalid_request',
    );
  const client = ctx.api();
  const backupId =
    wanted === undefined
      ? undefined
      : findBackup((await client.backups(serverId)).backups, wanted, serverId).id;
  const accepted = await client.undelete(serverId, backupId);
  if (!options.json)
    say(
      ctx,
      `Bringing ${accepted.server.name} (${serverId}) back from its final backup; job ${accepted.jobId}.`,
    );
  return followJob(ctx, accepted.jobId, accepted.server.name, options);
}
