import { type Accepted, type ApiClient, ApiError } from '@guildserver/api-client';
import {
  type Job,
  reachOf,
  routeSentence,
  SERVER_ID_PATTERN,
  type Server,
  type ServerAction,
  type VmSize,
} from '@guildserver/contracts';
import { parseSizeText } from '@guildserver/games';
import { CliError } from '../errors.js';
import { watchJob } from '../progress/job-watch.js';
import { painter, reporterFor, seconds } from '../progress/renderers.js';
import { type CommandContext, indentedTable, printJson, say, table } from './context.js';
import { placeOf } from './create-place.js';

const JOB_ID = /^job_[a-z0-9]{12}$/;

export interface JsonOption {
  json?: boolean;
}
export interface WatchOption extends JsonOption {
  watch?: boolean;
  guild?: string;
}
export interface DeleteOption extends WatchOption {
  /** false with --no-final-backup. */
  finalBackup?: boolean;
}

/** `cores=4,memory=8192,disk=32`, any subset: memory in MiB, disk in GiB; the API checks the bounds. */
export function parseSize(text: string): Partial<VmSize> {
  const read = parseSizeText(text);
  if ('problem' in read) {
    throw new CliError(
      `--size must look like cores=4,memory=8192,disk=32 (memory in MiB, disk in GiB; got "${text}").`,
      'invalid_request',
    );
  }
  return read.size;
}

/** A server id, or a name looked up through the list (in one guild when --guild is given). */
export async function resolveServer(client: ApiClient, nameOrId: string, guildId?: string): Promise<Server> {
  if (SERVER_ID_PATTERN.test(nameOrId)) return client.getServer(nameOrId);
  const matches: Server[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listServers({ guildId, cursor, limit: 100 });
    matches.push(...page.servers.filter((s) => s.name === nameOrId));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const where = guildId ? ` in guild ${guildId}` : '';
  if (matches.length === 0) {
    throw new CliError(
      `There is no server named '${nameOrId}'${where}; \`gs list\` shows them.`,
      'not_found',
    );
  }
  if (matches.length > 1) {
    const guilds = [...new Set(matches.map((s) => s.guildId))].join(', ');
    throw new CliError(
      `${matches.length} servers are named '${nameOrId}' (guilds ${guilds}); pass --guild <id> or the server id.`,
      'ambiguous',
    );
  }
  return matches[0]!;
}

const sizeText = (size: VmSize) => `${size.cores} cores, ${size.memory} MiB, ${size.disk} GiB`;
const shortSize = (size: VmSize) => `${size.cores}c/${size.memory}M/${size.disk}G`;

export async function createServer(
  ctx: CommandContext,
  game: string,
  name: string,
  options: WatchOption & { size?: string; owner?: string; channel?: string },
): Promise<number> {
  const client = ctx.api();
  const request = {
    game,
    name,
    ...placeOf(ctx, options),
    ...(options.size ? { size: parseSize(options.size) } : {}),
  };
  const accepted = await client.createServer(request);
  if (!options.json) {
    const { server } = accepted;
    say(
      ctx,
      `Creating ${server.name} (${server.game}, ${sizeText(server.size)}) as ${server.id}; job ${accepted.jobId}.`,
    );
    const route = routeSentence(await client.job(accepted.jobId));
    if (route) say(ctx, route);
  }
  return afterAccepted(ctx, accepted, options);
}

/** start, stop, restart, retry and delete: queue the job, then follow it when --watch says so. */
export async function serverAction(
  ctx: CommandContext,
  action: ServerAction | 'retry' | 'delete',
  nameOrId: string,
  options: DeleteOption,
): Promise<number> {
  const client = ctx.api();
  const server = await resolveServer(client, nameOrId, options.guild);
  const withoutBackup = action === 'delete' && options.finalBackup === false;
  const accepted =
    action === 'delete'
      ? await client.deleteServer(server.id, { finalBackup: !withoutBackup })
      : await client.act(server.id, action);
  if (!options.json) {
    const verb = {
      start: 'Starting',
      stop: 'Stopping',
      restart: 'Restarting',
      wake: 'Waking',
      retry: 'Retrying',
      delete: 'Deleting',
    }[action];
    const how = withoutBackup ? ' without a final backup' : '';
    say(ctx, `${verb} ${server.name} (${server.id})${how}; job ${accepted.jobId}.`);
  }
  return afterAccepted(ctx, accepted, options);
}

async function afterAccepted(ctx: CommandContext, accepted: Accepted, options: WatchOption): Promise<number> {
  if (options.watch) return followJob(ctx, accepted.jobId, accepted.server.name, options);
  if (options.json) printJson(ctx, accepted);
  else say(ctx, `Follow it with: gs watch ${accepted.jobId}`);
  return 0;
}

/** `gs watch <server name, server id or job id>`. */
export async function watch(ctx: CommandContext, target: string, options: WatchOption): Promise<number> {
  const client = ctx.api();
  if (JOB_ID.test(target)) return followJob(ctx, target, undefined, options);
  const server = await resolveServer(client, target, options.guild);
  if (!server.currentJobId) {
    if (options.json) printJson(ctx, { server, job: null });
    else say(ctx, `${server.name} is ${server.state}; it has no job to watch.`);
    return server.state === 'failed' ? 1 : 0;
  }
  return followJob(ctx, server.currentJobId, server.name, options);
}

/** The backup a job made (its backup_vm step: "Backed up to <volid> (0.4 GiB)."), as its id and size. */
export function backupMadeBy(job: Job): { id: string; size?: string } | undefined {
  const detail = job.steps.find((s) => s.name === 'backup_vm' && s.state === 'succeeded')?.detail ?? '';
  const made = /^Backed up to (\S+?)(?: \(([^)]+)\))?\.$/.exec(detail);
  if (!made) return undefined;
  return { id: made[1]!.slice(made[1]!.lastIndexOf('/') + 1), size: made[2] };
}

/**
 * Follows a job to its end and says how it ended: the address to join (or the backup made), or the failing
 * step and why.
 */
export async function followJob(
  ctx: CommandContext,
  jobId: string,
  name: string | undefined,
  options: JsonOption,
): Promise<number> {
  const client = ctx.api();
  const job = await watchJob(client, jobId, reporterFor(ctx.out, options.json === true));
  const server = await client.getServer(job.serverId).catch((error: unknown) => {
    if (error instanceof ApiError && error.code === 'not_found') return null; // deleted
    throw error;
  });
  const label = server?.name ?? name ?? job.serverId;
  if (options.json) {
    printJson(ctx, { server, job });
    return job.state === 'succeeded' ? 0 : 1;
  }
  const paint = painter(ctx.out.color);
  const took =
    job.startedAt && job.finishedAt
      ? ` in ${seconds(Date.parse(job.finishedAt) - Date.parse(job.startedAt))}`
      : '';
  if (job.state === 'succeeded') {
    const backup = backupMadeBy(job);
    const backupText = backup ? `${backup.id}${backup.size ? ` (${backup.size})` : ''}` : '';
    if (job.kind === 'delete' || !server) say(ctx, paint.green(`✓ ${label} is deleted${took}.`));
    else if (job.kind === 'backup')
      say(ctx, paint.green(`✓ ${label} is backed up${took}${backup ? `: ${paint.bold(backupText)}` : '.'}`));
    else if (server.state === 'running') {
      const reach = reachOf(server, server.address ?? '');
      const join = !reach
        ? '.'
        : reach.joinable
          ? `: join at ${paint.bold(reach.address)}${reach.caveat ? ` (${reach.caveat})` : ''}`
          : `, but ${reach.address} does not lead to it yet: ${reach.caveat}.`;
      say(ctx, paint.green(`✓ ${label} is running${took}${join}`));
    } else say(ctx, paint.green(`✓ ${label} is ${server.state}${took}.`));
    if (job.kind === 'delete' && backup)
      say(ctx, `Its final backup is ${backupText}; \`gs backup list ${job.serverId}\` lists it.`);
    if (job.kind === 'restore' && backup)
      say(ctx, `The world from before the restore is backup ${backupText}.`);
    return 0;
  }
  ctx.err(`gs: ${failureSentence(job, label)}`);
  return 1;
}

/** "The create of 'survival' failed at “Configuring the VM”: <reason>. Run `gs retry survival` …" */
export function failureSentence(job: Job, label: string): string {
  const failedStep =
    job.steps.find((s) => s.name === job.error?.step) ?? job.steps.find((s) => s.state === 'failed');
  const reason = (job.error?.message || failedStep?.error || 'no reason was recorded').replace(/\.?\s*$/, '');
  const at = failedStep ? ` at "${failedStep.title}"` : '';
  return `The ${job.kind} of '${label}' failed${at}: ${reason}; run \`gs retry ${label}\` to resume from that step.`;
}

export async function list(
  ctx: CommandContext,
  options: JsonOption & { guild?: string; owner?: string; all?: boolean; limit?: number },
): Promise<number> {
  const client = ctx.api();
  const servers: Server[] = [];
  let cursor: string | undefined;
  let nextCursor: string | null = null;
  do {
    const page = await client.listServers({
      guildId: options.guild,
      ownerId: options.owner,
      cursor,
      limit: options.all ? 100 : (options.limit ?? 25),
    });
    servers.push(...page.servers);
    nextCursor = page.nextCursor;
    cursor = options.all ? (page.nextCursor ?? undefined) : undefined;
  } while (cursor);
  if (options.json) {
    printJson(ctx, { servers, nextCursor: options.all ? null : nextCursor });
    return 0;
  }
  if (servers.length === 0) {
    say(ctx, 'No servers yet. Create one: gs create minecraft-java survival --watch');
    return 0;
  }
  const rows = [['NAME', 'GAME', 'STATE', 'ADDRESS', 'SIZE', 'GUILD', 'ID']];
  for (const s of servers) {
    rows.push([s.name, s.game, s.state, s.address ?? '-', shortSize(s.size), s.guildId, s.id]);
  }
  say(ctx, table(rows));
  if (nextCursor) say(ctx, `(more servers: run with --all)`);
  return 0;
}

/** `play.example.net:20001 (published at the edge)`, or why the address does not lead to the server. */
function addressText(server: Server): string {
  if (!server.address) return '-';
  const reach = reachOf(server, server.address);
  if (!reach) return `${server.address} (not published: the server is ${server.state})`;
  if (reach.caveat) return `${reach.address} (${reach.caveat})`;
  return `${reach.address} (published at the edge)`;
}

/** The server's latest job when none is running: the last job named in its events. */
async function lastJobId(client: ApiClient, serverId: string): Promise<string | undefined> {
  let found: string | undefined;
  let after = 0;
  for (;;) {
    const page = await client.events({ after, serverId, limit: 1000 });
    for (const event of page.events) if (event.jobId) found = event.jobId;
    if (page.events.length < 1000) return found;
    after = page.cursor;
  }
}

export async function status(
  ctx: CommandContext,
  nameOrId: string,
  options: JsonOption & { guild?: string },
) {
  const client = ctx.api();
  const server = await resolveServer(client, nameOrId, options.guild);
  const jobId = server.currentJobId ?? (await lastJobId(client, server.id));
  const job = jobId ? await client.job(jobId) : null;
  if (options.json) {
    printJson(ctx, { server, job });
    return 0;
  }
  const rows: string[][] = [
    ['state', server.state],
    ['address', addressText(server)],
    ['size', sizeText(server.size)],
    [
      'vm',
      server.vmid === null
        ? '-'
        : `${server.vmid} on ${server.node ?? '?'}${server.ipv4 ? `, ${server.ipv4}` : ''}`,
    ],
    ['ports', server.ports.map((p) => `${p.port}/${p.protocol} ${p.purpose}`).join(', ') || '-'],
  ];
  if (server.players) rows.push(['players', `${server.players.online}/${server.players.max}`]);
  rows.push(['guild', server.guildId], ['owner', server.ownerId], ['channel', server.channelId]);
  if (job) {
    const took =
      job.startedAt && job.finishedAt
        ? ` in ${seconds(Date.parse(job.finishedAt) - Date.parse(job.startedAt))}`
        : '';
    const runningStep = job.steps.find((s) => s.state === 'running');
    rows.push([
      'last job',
      `${job.kind} ${job.id}: ${job.state}${took}${runningStep ? ` (${runningStep.title})` : ''}`,
    ]);
  }
  if (server.failure) {
    rows.push([
      'failure',
      `${server.failure.message}${server.failure.step ? ` (step ${server.failure.step})` : ''}`,
    ]);
  }
  say(ctx, `${server.name} (${server.id}), ${server.game}`);
  say(ctx, indentedTable(rows));
  return 0;
}
