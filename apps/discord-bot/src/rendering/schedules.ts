// Schedules and the guild's settings as the user sees them: what a schedule does in words, the names
// autocomplete offers, what an add, an off window or a remove did, the list, the settings. Pure functions of
// the API's objects, like views.ts.
import type { GuildSettings, Schedule, ScheduleAction, Server } from '@guildserver/contracts';
import { discordTime } from './backups.js';
import { COLORS, type MessageView } from './views.js';

type Timing = Pick<Schedule, 'action' | 'at' | 'everyHours'>;

/** An embed description holds 4096 characters; a server has at most 10 schedules, each note is cut short. */
const MAX_NOTE = 300;

const WILL: Record<ScheduleAction, string> = {
  restart: 'restart',
  backup: 'be backed up',
  stop: 'stop',
  start: 'start',
};
const OUTCOME = { queued: '✅ queued', skipped: '⏭️ skipped', failed: '❌ failed' } as const;

/** `daily at 04:30`, `every 6 hours`. */
export function whenWords(timing: Timing): string {
  return timing.at !== null ? `daily at ${timing.at}` : `every ${timing.everyHours} hours`;
}

/** An autocomplete choice's name: `restart daily 04:30`, `backup every 6 h`. */
export function scheduleLabel(timing: Timing): string {
  return timing.at !== null
    ? `${timing.action} daily ${timing.at}`
    : `${timing.action} every ${timing.everyHours} h`;
}

/** `<t:…:R>`: "in 5 hours", in each reader's own words. */
export const relativeTime = (iso: string) => `<t:${Math.floor(Date.parse(iso) / 1000)}:R>`;

/** The next run as Discord timestamps (each reader's own zone), or that the scheduler has not said yet. */
function nextRun(schedule: Pick<Schedule, 'nextRunAt'>): string {
  return schedule.nextRunAt
    ? `${discordTime(schedule.nextRunAt)} (${relativeTime(schedule.nextRunAt)})`
    : 'not known yet';
}

const SET_ZONE = 'an admin sets it with `/server settings time-zone`';
/** Which zone the times are in, and who changes it. */
export const zoneWords = (timeZone: string) => `times are in ${timeZone}; ${SET_ZONE}`;

/** What /server schedule add did, in one sentence with its next run and the time zone. */
export function scheduleAddedSentence(server: Pick<Server, 'name'>, schedule: Schedule): string {
  return `**${server.name}** will ${WILL[schedule.action]} ${whenWords(schedule)}, next ${nextRun(schedule)} — ${zoneWords(schedule.timeZone)}.`;
}

/** What /server schedule off did: the stop at `from`, the start at `to`. */
export function offWindowSentence(server: Pick<Server, 'name'>, stop: Schedule, start: Schedule): string {
  return `**${server.name}** will be off daily from ${stop.at} to ${start.at}: it stops next ${nextRun(stop)} and starts next ${nextRun(start)} — ${zoneWords(stop.timeZone)}.`;
}

export function scheduleRemovedSentence(server: Pick<Server, 'name'>, schedule: Timing): string {
  return `**${server.name}** will no longer ${WILL[schedule.action]} ${whenWords(schedule)}.`;
}

function lastRunLine(run: NonNullable<Schedule['lastRun']>): string {
  const note = run.note.length > MAX_NOTE ? `${run.note.slice(0, MAX_NOTE - 1)}…` : run.note;
  return `last run ${relativeTime(run.at)}: ${OUTCOME[run.outcome]}${note ? ` — ${note}` : ''}`;
}

/** /server schedule list: each schedule, its next run and how its last run went; the time zone. */
export function scheduleListView(server: Pick<Server, 'name'>, schedules: readonly Schedule[]): MessageView {
  const lines = schedules.map((s) => {
    const next = s.nextRunAt ? `next ${relativeTime(s.nextRunAt)}` : 'next run not known yet';
    const head = `**${s.action}** ${whenWords(s)} · ${next}`;
    return s.lastRun ? `${head}\n└ ${lastRunLine(s.lastRun)}` : head;
  });
  const zone = schedules[0]?.timeZone;
  return {
    content: '',
    embeds: [
      {
        title: `Schedules of ${server.name}`,
        description:
          lines.length > 0
            ? lines.join('\n').slice(0, 4000)
            : 'No schedules yet: `/server schedule add` makes one.',
        color: COLORS.idle,
        ...(zone ? { fields: [{ name: 'Time zone', value: `${zone}; ${SET_ZONE}` }] } : {}),
      },
    ],
    components: [],
  };
}

/** How an idle-sleep setting reads: `off` or a length of time. */
export const idleSleepWords = (text: string) =>
  text === 'off' ? 'off: servers stay awake without players' : `servers sleep after ${text} without players`;

/** /server settings: the guild's time zone, admin channel and idle sleep; `saved` when the command changed them. */
export function settingsView(settings: GuildSettings, saved: boolean): MessageView {
  return {
    content: saved ? 'Saved.' : '',
    embeds: [
      {
        title: 'GuildServer settings of this guild',
        color: COLORS.idle,
        fields: [
          { name: 'Time zone', value: `${settings.timeZone} (every schedule of this guild runs in it)` },
          {
            name: 'Admin channel',
            value: settings.adminChannelId
              ? `<#${settings.adminChannelId}> (failed schedules are reported there too)`
              : 'none: failed schedules are reported in each server’s channel only',
          },
          {
            name: 'Idle sleep',
            value: `${idleSleepWords(settings.idleSleep)}${settings.idleSleepSetBy === 'default' ? ' (the default)' : ''}; owners may choose ${settings.idleSleepMax === 'off' ? 'any, or off' : `up to ${settings.idleSleepMax}`} for their server`,
          },
        ],
      },
    ],
    components: [],
  };
}
