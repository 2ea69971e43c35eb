// `gs schedule list|add|off|remove` and `gs guild settings`: a server's schedules, through
// /v1/servers/{id}/schedules, and the guild settings their times are read in, through /v1/guilds/{id}/settings.
// Times are the guild's (its IANA time zone, UTC until set); NEXT also shows this machine's time when it differs.
import type { ApiClient } from '@guildserver/api-client';
import {
  type GuildSettings,
  SCHEDULE_ACTIONS,
  type Schedule,
  type ScheduleAction,
  type Server,
  type UpdateGuildSettingsRequest,
} from '@guildserver/contracts';
import { InvalidArgumentError } from 'commander';
import { CliError } from '../errors.js';
import { type CommandContext, indentedTable, printJson, say, table } from './context.js';
import { type JsonOption, resolveServer } from './servers.js';

export interface ServerOption extends JsonOption {
  guild?: string;
}

export interface AddOption extends ServerOption {
  /** --every <hours>, backups only. */
  every?: number;
}

export interface GuildSettingsOption extends JsonOption {
  timeZone?: string;
  /** A channel id with --admin-channel, false with --no-admin-channel. */
  adminChannel?: string | false;
  idleSleep?: string;
  idleSleepMax?: string;
}

/** The minutes before a scheduled restart at which players are warned (as the API does). */
const RESTART_WARNINGS = [5, 1];

/** This machine's time zone (TZ, else the system's). */
const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** `2026-12-06 04:30`: an instant on the wall clock of a time zone. */
function wallClock(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

/** `2026-12-06 04:30`, then `(22:30 local)` (with the date when it differs) when this machine's clock differs. */
function instantText(iso: string, timeZone: string): string {
  const there = wallClock(iso, timeZone);
  const here = wallClock(iso, localZone());
  if (here === there) return there;
  return `${there} (${here.slice(0, 10) === there.slice(0, 10) ? here.slice(11) : here} local)`;
}

/** "daily 04:30" / "every 6 h". */
const whenText = (s: Pick<Schedule, 'at' | 'everyHours'>) =>
  s.at !== null ? `daily ${s.at}` : `every ${s.everyHours} h`;

/** "restart daily at 04:30" / "backup every 6 hours", for sentences. */
const whatText = (s: Pick<Schedule, 'action' | 'at' | 'everyHours'>) =>
  s.at !== null ? `${s.action} daily at ${s.at}` : `${s.action} every ${s.everyHours} hours`;

const nextText = (s: Schedule) =>
  s.nextRunAt ? instantText(s.nextRunAt, s.timeZone) : 'not registered yet (the worker registers it)';

const short = (text: string, max = 40) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** `queued 12-06 04:30`, `skipped 12-06 04:30: The server 'busy' is backing up; it…`, or `-`. */
function lastText(s: Schedule): string {
  if (!s.lastRun) return '-';
  const when = wallClock(s.lastRun.at, s.timeZone).slice(5);
  const note = s.lastRun.note.trim();
  return `${s.lastRun.outcome} ${when}${note ? `: ${short(note)}` : ''}`;
}

/** The line under a list or an added schedule: which zone the times are in, and how to change it. */
function zoneLine(timeZone: string, server: Server): string {
  const local = localZone();
  const mine = local === timeZone ? '' : `; local is this machine's time (${local})`;
  const hint =
    timeZone === 'UTC' ? ` (\`gs guild settings ${server.guildId} --time-zone Europe/Berlin\` sets it)` : '';
  return `Times are in ${timeZone}, the time zone of guild ${server.guildId}${hint}${mine}.`;
}

function parseAction(text: string): ScheduleAction {
  if ((SCHEDULE_ACTIONS as readonly string[]).includes(text)) return text as ScheduleAction;
  throw new CliError(
    `A schedule does one of ${SCHEDULE_ACTIONS.join(', ')}; '${text}' is none of them.`,
    'usage',
  );
}

/** `04:30` (4:30 is read as 04:30); anything else goes to the API as it is, which says what is wrong. */
const timeOfDay = (text: string) => (/^\d:\d\d$/.test(text) ? `0${text}` : text);

/** For commander: --every <hours>, a whole number (the API says which ones it takes). */
export function parseEvery(text: string): number {
  const match = /^(\d{1,2})\s*(h|hours?)?$/i.exec(text.trim());
  if (!match) throw new InvalidArgumentError('it must be a number of hours, such as 6.');
  return Number(match[1]);
}

/** What `gs schedule add` sends: `HH:MM` daily, or (backups) every N hours from `every 6h` or `--every 6`. */
export function parseWhen(
  action: ScheduleAction,
  words: readonly string[],
  every: number | undefined,
): { action: ScheduleAction; at: string } | { action: 'backup'; everyHours: number } {
  const text = words.join(' ').trim();
  if (text !== '' && every !== undefined)
    throw new CliError(`Say when once: either '${text}' or --every ${every}, not both.`, 'usage');
  let everyHours = every;
  if (/^every\b/i.test(text)) {
    const match = /^every\s*(\d{1,2})\s*(h|hours?)?$/i.exec(text);
    if (!match)
      throw new CliError(
        `Write every N hours as 'every 6h' (a backup every 1, 2, 3, 4, 6, 8 or 12 hours), not '${text}'.`,
        'usage',
      );
    everyHours = Number(match[1]);
  }
  if (everyHours !== undefined) {
    if (action !== 'backup')
      throw new CliError(
        `Only backups run every N hours; a ${action} runs daily at a time, such as \`gs schedule add <server> ${action} 04:30\`.`,
        'usage',
      );
    return { action, everyHours };
  }
  if (text === '')
    throw new CliError(
      `Say when: a time of day as HH:MM (daily, such as 04:30)${action === 'backup' ? ", or 'every 6h'" : ''}.`,
      'usage',
    );
  return { action, at: timeOfDay(text) };
}

/** A full schedule id, or its unique beginning (with or without `sch_`), among the server's schedules. */
function findSchedule(schedules: readonly Schedule[], wanted: string, label: string): Schedule {
  if (schedules.length === 0) throw new CliError(`${label} has no schedules.`, 'not_found');
  const exact = schedules.find((s) => s.id === wanted);
  if (exact) return exact;
  const matches = schedules.filter((s) => s.id.startsWith(wanted) || s.id.startsWith(`sch_${wanted}`));
  if (matches.length === 1) return matches[0]!;
  const ids = (some: readonly Schedule[]) => some.map((s) => `${s.id} (${whatText(s)})`).join(', ');
  if (matches.length > 1)
    throw new CliError(
      `'${wanted}' could be any of ${matches.length} schedules of ${label}: ${ids(matches)}; give more of the id.`,
      'ambiguous',
    );
  throw new CliError(
    `${label} has no schedule '${wanted}'; its schedules are ${ids(schedules)}.`,
    'not_found',
  );
}

/** `gs schedule list <server>`: its schedules with their next and last runs, then the time zone. */
export async function listSchedules(
  ctx: CommandContext,
  nameOrId: string,
  options: ServerOption,
): Promise<number> {
  const client = ctx.api();
  const server = await resolveServer(client, nameOrId, options.guild);
  const list = await client.schedules(server.id);
  if (options.json) {
    printJson(ctx, list);
    return 0;
  }
  if (list.schedules.length === 0) {
    say(
      ctx,
      `${server.name} has no schedules. Add one: gs schedule add ${server.name} restart 04:30 (in the guild's time zone)`,
    );
    return 0;
  }
  const rows = [['ID', 'ACTION', 'WHEN', 'NEXT', 'LAST']];
  for (const s of list.schedules) rows.push([s.id, s.action, whenText(s), nextText(s), lastText(s)]);
  say(ctx, table(rows));
  say(ctx, `\n${zoneLine(list.schedules[0]!.timeZone, server)}`);
  return 0;
}

function printAdded(ctx: CommandContext, s: Schedule, server: Server): void {
  say(ctx, `Added ${s.id} to ${server.name}: ${whatText(s)} (${s.timeZone}).`);
  say(ctx, `Next run: ${nextText(s)}.`);
  if (s.action === 'restart' && s.at !== null)
    say(
      ctx,
      `Players are warned ${RESTART_WARNINGS.join(' and ')} minutes before, where the game allows it.`,
    );
}

/** `gs schedule add <server> <action> <HH:MM | every Nh>` (or `--every N`). */
export async function addSchedule(
  ctx: CommandContext,
  nameOrId: string,
  actionText: string,
  when: readonly string[],
  options: AddOption,
): Promise<number> {
  const request = parseWhen(parseAction(actionText), when, options.every);
  const client = ctx.api();
  const server = await resolveServer(client, nameOrId, options.guild);
  const added = await client.addSchedule(server.id, request);
  if (options.json) printJson(ctx, added);
  else printAdded(ctx, added, server);
  return 0;
}

/** Removes a schedule just made when its pair could not be made; a failure here only leaves a note. */
async function undo(ctx: CommandContext, client: ApiClient, server: Server, made: Schedule): Promise<void> {
  try {
    await client.removeSchedule(server.id, made.id);
  } catch (error) {
    ctx.err(
      `gs: the stop ${made.id} stayed (${error instanceof Error ? error.message : String(error)}); remove it with \`gs schedule remove ${server.name} ${made.id}\`.`,
    );
  }
}

/** `gs schedule off <server> <from> <to>`: a stop at <from> and a start at <to>, both daily; both or neither. */
export async function offWindow(
  ctx: CommandContext,
  nameOrId: string,
  from: string,
  to: string,
  options: ServerOption,
): Promise<number> {
  const [stopAt, startAt] = [timeOfDay(from), timeOfDay(to)];
  if (stopAt === startAt)
    throw new CliError(`An off window needs two different times (got ${stopAt} twice).`, 'usage');
  const client = ctx.api();
  const server = await resolveServer(client, nameOrId, options.guild);
  const stop = await client.addSchedule(server.id, { action: 'stop', at: stopAt });
  let start: Schedule;
  try {
    start = await client.addSchedule(server.id, { action: 'start', at: startAt });
  } catch (error) {
    await undo(ctx, client, server, stop);
    throw error;
  }
  if (options.json) {
    printJson(ctx, { schedules: [stop, start] });
    return 0;
  }
  say(
    ctx,
    `${server.name} is off daily from ${stopAt} to ${startAt} (${stop.timeZone}): stop ${stop.id}, start ${start.id}.`,
  );
  say(ctx, `Next stop: ${nextText(stop)}; next start: ${nextText(start)}.`);
  return 0;
}

/** `gs schedule remove <server> <schedule>`: by its id or a unique beginning of it. */
export async function removeSchedule(
  ctx: CommandContext,
  nameOrId: string,
  wanted: string,
  options: ServerOption,
): Promise<number> {
  const client = ctx.api();
  const server = await resolveServer(client, nameOrId, options.guild);
  const schedule = findSchedule((await client.schedules(server.id)).schedules, wanted, server.name);
  const removed = await client.removeSchedule(server.id, schedule.id);
  if (options.json) printJson(ctx, removed);
  else say(ctx, `Removed ${removed.id} from ${server.name}: ${whatText(removed)} (${removed.timeZone}).`);
  return 0;
}

function printSettings(ctx: CommandContext, settings: GuildSettings): void {
  say(ctx, `Guild ${settings.guildId}`);
  say(
    ctx,
    indentedTable([
      ['time zone', `${settings.timeZone} (the times of its schedules)`],
      [
        'admin channel',
        settings.adminChannelId
          ? `${settings.adminChannelId} (failed schedules are also reported there)`
          : "none (failed schedules are reported in the server's own channel only)",
      ],
      [
        'idle sleep',
        `${settings.idleSleep === 'off' ? 'off (servers stay awake without players)' : `after ${settings.idleSleep} without players`}${settings.idleSleepSetBy === 'default' ? ' (IDLE_SLEEP_AFTER)' : ''}`,
      ],
      [
        'idle sleep max',
        settings.idleSleepMax === 'off'
          ? 'any (owners may also turn it off)'
          : `${settings.idleSleepMax} (the longest an owner may choose)`,
      ],
    ]),
  );
}

/**
 * `gs guild settings <guild> [--time-zone …] [--admin-channel …|--no-admin-channel] [--idle-sleep …]
 * [--idle-sleep-max …]`: shows, or changes.
 */
export async function guildSettings(
  ctx: CommandContext,
  guildId: string,
  options: GuildSettingsOption,
): Promise<number> {
  if (!/^\d{17,20}$/.test(guildId))
    throw new CliError(`'${guildId}' is not a Discord guild id (17 to 20 digits).`, 'usage');
  const update: UpdateGuildSettingsRequest = {};
  if (options.timeZone !== undefined) update.timeZone = options.timeZone;
  if (options.adminChannel !== undefined) update.adminChannelId = options.adminChannel || null;
  if (options.idleSleep !== undefined) update.idleSleep = options.idleSleep;
  if (options.idleSleepMax !== undefined) update.idleSleepMax = options.idleSleepMax;
  const client = ctx.api();
  const settings =
    Object.keys(update).length > 0
      ? await client.updateGuildSettings(guildId, update)
      : await client.guildSettings(guildId);
  if (options.json) {
    printJson(ctx, settings);
    return 0;
  }
  if (update.timeZone !== undefined)
    say(ctx, `Every schedule of guild ${guildId}'s servers now runs in ${settings.timeZone}.`);
  if (update.adminChannelId !== undefined)
    say(
      ctx,
      update.adminChannelId
        ? `Failed schedules of guild ${guildId} are now also reported in channel ${update.adminChannelId}.`
        : `Failed schedules of guild ${guildId} are no longer reported in an admin channel.`,
    );
  printSettings(ctx, settings);
  return 0;
}
