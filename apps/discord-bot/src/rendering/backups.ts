// Backups as the user sees them: the list, the names autocomplete offers, the restore question and what a pin
// or a delete did. Pure functions of the API's objects, like views.ts.
import type { Backup, BackupList, Server } from '@guildserver/contracts';
import { ButtonStyle } from 'discord.js';
import { encodeCustomId, type RestoreStep } from '../core/custom-ids.js';
import { button, COLORS, type MessageView, row } from './views.js';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** An embed description holds 4096 characters; the list stops short of that. */
const MAX_LIST = 3900;

/** At most one decimal: `3.4`, `200`. */
const figure = (n: number) => String(Math.round(n * 10) / 10);
const twoDigits = (n: number) => String(n).padStart(2, '0');

/** `512 MiB` below a GiB, `1.2 GiB` from there. */
export function bytesText(bytes: number): string {
  return bytes < GIB ? `${figure(bytes / MIB)} MiB` : `${figure(bytes / GIB)} GiB`;
}

/** `<t:…:f>`: Discord shows the time in each reader's own time zone. */
export const discordTime = (iso: string) => `<t:${Math.floor(Date.parse(iso) / 1000)}:f>`;

/** `3 Dec 21:00` in UTC (plain text cannot follow the reader's zone), with the year when it is not this one. */
function utcTime(iso: string, now: number): string {
  const d = new Date(iso);
  const year = d.getUTCFullYear() === new Date(now).getUTCFullYear() ? '' : ` ${d.getUTCFullYear()}`;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${year} ${twoDigits(d.getUTCHours())}:${twoDigits(d.getUTCMinutes())}`;
}

/** Why it was made (`manual`, `before-restore`…), or that it was made outside GuildServer. */
function originText(backup: Pick<Backup, 'madeBy' | 'reason'>): string {
  return backup.madeBy === 'outside' ? 'made outside GuildServer' : (backup.reason ?? 'made by GuildServer');
}

/** `1.2 GiB · manual 📌`: what a backup is, after when it was made. */
function backupFacts(backup: Backup): string {
  return `${bytesText(backup.size)} · ${originText(backup)}${backup.protected ? ' 📌' : ''}`;
}

/** An autocomplete choice's name: `3 Dec 21:00 · 1.2 GiB · manual 📌`. */
export function backupLabel(backup: Backup, now: number): string {
  return `${utcTime(backup.createdAt, now)} · ${backupFacts(backup)}`.slice(0, 100);
}

/** `keep-last=3,keep-daily=7` in words: `the last 3, 7 daily`. */
export function retentionWords(retention: string): string {
  const words = retention.split(',').map((part) => {
    const [key, value] = part.trim().split('=');
    if (key === 'keep-all') return 'every backup';
    if (key === 'keep-last') return `the last ${value}`;
    const period = /^keep-(hourly|daily|weekly|monthly|yearly)$/.exec(key ?? '')?.[1];
    return period && value ? `${value} ${period}` : part.trim();
  });
  return words.join(', ');
}

/** The list's lines, newest first, as many as fit; then how many older ones did not. */
function listLines(backups: readonly Backup[]): string {
  const lines: string[] = [];
  let length = 0;
  for (const backup of backups) {
    const line = `${discordTime(backup.createdAt)} · ${backupFacts(backup)}`;
    if (length + line.length + 1 > MAX_LIST) {
      lines.push(`… and ${backups.length - lines.length} older`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n');
}

/** /server backup list: the server's backups, newest first; the guild's use of its quota; the retention. */
export function backupListView(server: Pick<Server, 'name'>, list: BackupList): MessageView {
  const { guild } = list;
  return {
    content: '',
    embeds: [
      {
        title: `Backups of ${server.name}`,
        description:
          list.backups.length > 0
            ? listLines(list.backups)
            : 'No backups yet: `/server backup now` makes one.',
        color: COLORS.idle,
        fields: [
          {
            name: 'This guild’s backups',
            value: `${guild.count} of ${guild.maxCount} backups · ${figure(guild.bytes / GIB)} of ${figure(guild.maxBytes / GIB)} GiB`,
          },
          {
            name: 'Retention',
            value:
              `${retentionWords(list.retention)} (\`${list.retention}\`); pinned backups and those made outside GuildServer are never pruned`.slice(
                0,
                1000,
              ),
          },
        ],
      },
    ],
    components: [],
  };
}

/** The question before a restore: Restore or Cancel. */
export function restoreConfirmView(
  server: Pick<Server, 'id' | 'name'>,
  backup: Pick<Backup, 'id' | 'createdAt'>,
): MessageView {
  const customId = (step: RestoreStep) =>
    encodeCustomId({ kind: 'restore', step, serverId: server.id, backupId: backup.id });
  return {
    content: '',
    embeds: [
      {
        title: `Restore ${server.name}?`,
        description: `This replaces the world of **${server.name}** with the backup of ${discordTime(backup.createdAt)}; a backup of the current world is made first.`,
        color: COLORS.failed,
      },
    ],
    components: [
      row(
        button('Restore', customId('confirm'), ButtonStyle.Danger),
        button('Cancel', customId('cancel'), ButtonStyle.Secondary),
      ),
    ],
  };
}

/** What a pin, an unpin or a delete did, in one sentence. */
export function backupChangedSentence(
  server: Pick<Server, 'name'>,
  backup: Pick<Backup, 'createdAt'>,
  change: 'pinned' | 'unpinned' | 'deleted',
): string {
  const which = `The backup of **${server.name}** from ${discordTime(backup.createdAt)}`;
  switch (change) {
    case 'pinned':
      return `${which} is pinned: it is never pruned, and cannot be deleted until it is unpinned.`;
    case 'unpinned':
      return `${which} is no longer pinned.`;
    case 'deleted':
      return `${which} was deleted.`;
  }
}
