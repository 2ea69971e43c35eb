// What the user sees, as plain Discord message JSON: progress, status, list pages, delete confirmation,
// notices. Pure functions of API objects, so they are tested without Discord.
import {
  actionAllowed,
  formatDuration,
  type Job,
  type JobKind,
  type Reach,
  reachOf,
  routeSentence,
  type Server,
  type ServerState,
} from '@guildserver/contracts';
import {
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  ButtonStyle,
  ComponentType,
} from 'discord.js';
import type { Game } from '../api/caches.js';
import { encodeCustomId, type ListScope } from '../core/custom-ids.js';

export interface MessageView {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
}

export const COLORS = { working: 0x3b82f6, ok: 0x22c55e, failed: 0xef4444, idle: 0x94a3b8 } as const;

const VERB: Record<JobKind, { ing: string; noun: string }> = {
  create: { ing: 'Creating', noun: 'Create' },
  start: { ing: 'Starting', noun: 'Start' },
  stop: { ing: 'Stopping', noun: 'Stop' },
  restart: { ing: 'Restarting', noun: 'Restart' },
  delete: { ing: 'Deleting', noun: 'Delete' },
  backup: { ing: 'Backing up', noun: 'Backup' },
  restore: { ing: 'Restoring', noun: 'Restore' },
  recreate: { ing: 'Bringing back', noun: 'Undelete' },
  copy: { ing: 'Copying a backup into', noun: 'Copy' },
  sleep: { ing: 'Putting to sleep', noun: 'Sleep' },
  wake: { ing: 'Waking', noun: 'Wake' },
};

const DONE: Record<JobKind, string> = {
  create: 'is running',
  start: 'is running',
  stop: 'is stopped',
  restart: 'is running again',
  delete: 'was deleted',
  backup: 'was backed up',
  restore: 'was restored and is running',
  recreate: 'is back from its final backup and running',
  copy: 'is running, made from the backup',
  sleep: 'is asleep',
  wake: 'is awake',
};

const STEP_MARK = { pending: '▫️', running: '⏳', succeeded: '✅', failed: '❌', skipped: '➖' } as const;

const seconds = (ms: number | null) => (ms === null ? '' : ` · ${(ms / 1000).toFixed(1)} s`);

/** The address as the way to join, when it is one. */
export function joinAddress(
  server: Pick<Server, 'state' | 'address' | 'ports' | 'publication'>,
  hostExternal: string,
): string | undefined {
  const reach = reachOf(server, hostExternal);
  return reach?.joinable ? reach.address : undefined;
}

/** The embed field for a running server's address: "Join at", or "Address" with why it is not joinable. */
function addressField(reach: Reach, inline: boolean): { name: string; value: string; inline?: boolean } {
  const value = `\`${reach.address}\`${reach.caveat ? ` — ${reach.caveat}` : ''}`.slice(0, 1000);
  return { name: reach.joinable ? 'Join at' : 'Address', value, ...(inline ? { inline } : {}) };
}

function portsLine(server: Pick<Server, 'ports'>): string | undefined {
  if (server.ports.length === 0) return undefined;
  return server.ports.map((p) => `${p.port}/${p.protocol} (${p.purpose})`).join(', ');
}

/** What a delete's notice adds when the delete made a final backup: how to undo it. */
export const UNDELETE_HINT =
  'It can be brought back with `/server backup undelete` while its final backup is kept.';

/** Whether a finished delete made its server's final backup (its backup_vm step says where it went). */
export function deleteMadeFinalBackup(job: Pick<Job, 'kind' | 'state' | 'steps'>): boolean {
  return (
    job.kind === 'delete' &&
    job.state === 'succeeded' &&
    job.steps.some((s) => s.name === 'backup_vm' && (s.detail ?? '').startsWith('Backed up to'))
  );
}

/** The one message a job's progress lives in, edited as the steps advance, ending with how to join. */
export function jobView(
  job: Job,
  server: Server | undefined,
  serverName: string,
  hostExternal: string,
): MessageView {
  const verb = VERB[job.kind];
  const lines: string[] = [];
  if (job.kind === 'create') lines.push('✅ Allocating ports and a VM id');
  if (job.state === 'queued') lines.push('⏳ Waiting for a worker');
  for (const step of job.steps) {
    const error = step.state === 'failed' && step.error ? `\n   ${step.error}` : '';
    lines.push(`${STEP_MARK[step.state]} ${step.title}${seconds(step.durationMs)}${error}`);
  }
  const embed: APIEmbed = { description: lines.join('\n').slice(0, 4000) };
  if (job.state === 'succeeded') {
    embed.title = `${serverName} ${DONE[job.kind]}`;
    embed.color = COLORS.ok;
    if (deleteMadeFinalBackup(job)) embed.description = `${embed.description}\n\n${UNDELETE_HINT}`;
    const reach = server ? reachOf(server, hostExternal) : undefined;
    if (reach) {
      embed.fields = [addressField(reach, false)];
      const ports = server ? portsLine(server) : undefined;
      if (ports) embed.fields.push({ name: 'Ports', value: ports.slice(0, 1000) });
    }
  } else if (job.state === 'failed') {
    embed.title = `${verb.noun} of ${serverName} failed`;
    embed.color = COLORS.failed;
    if (job.error) embed.fields = [{ name: 'Why', value: job.error.message.slice(0, 1000) }];
  } else {
    embed.title = `${verb.ing} ${serverName}…`;
    embed.color = COLORS.working;
    const route = routeSentence(job);
    if (route) embed.footer = { text: route };
  }
  return { content: '', embeds: [embed], components: [] };
}

/** What a job's final notice says in one sentence (the channel and DM notices lead with it). */
export function finalSentence(kind: JobKind, succeeded: boolean, serverName: string, reach?: Reach): string {
  if (!succeeded) return `${VERB[kind].noun} of **${serverName}** failed.`;
  const done = `**${serverName}** ${DONE[kind]}`;
  if (!reach || kind === 'stop' || kind === 'delete' || kind === 'backup') return `${done}.`;
  if (!reach.joinable) return `${done}, but \`${reach.address}\` does not lead to it yet: ${reach.caveat}.`;
  return `${done}: join at \`${reach.address}\`${reach.caveat ? ` (${reach.caveat})` : ''}`;
}

const STATE_WORDS: Record<ServerState, string> = {
  creating: '🛠️ being created',
  starting: '⏳ starting',
  running: '🟢 running',
  stopping: '⏳ stopping',
  stopped: '⚪ stopped',
  restarting: '⏳ restarting',
  backing_up: '💾 being backed up',
  falling_asleep: '💤 falling asleep',
  sleeping: '💤 asleep',
  waking: '⏳ waking up',
  restoring: '⏳ being restored',
  deleting: '🗑️ being deleted',
  deleted: '🗑️ deleted',
  failed: '🔴 failed',
};

export const button = (
  label: string,
  customId: string,
  style: ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Success | ButtonStyle.Danger,
  disabled = false,
): APIButtonComponent => ({ type: ComponentType.Button, style, label, custom_id: customId, disabled });

export const row = (
  ...components: APIButtonComponent[]
): APIActionRowComponent<APIComponentInMessageActionRow> => ({
  type: ComponentType.ActionRow,
  components,
});

export function gameName(games: readonly Game[] | undefined, id: string): string {
  return games?.find((g) => g.id === id)?.name ?? id;
}

/** `3 of 10`; a game that reports no player limit (max 0) shows just who is online. */
export function playersText(players: NonNullable<Server['players']>): string {
  return players.max > 0 ? `${players.online} of ${players.max}` : String(players.online);
}

/** Discord's own relative time (`14 minutes ago`), kept current by the client. */
const relativeTime = (iso: string) => `<t:${Math.floor(Date.parse(iso) / 1000)}:R>`;

/** Players now (and the peak today when higher), and when one was last seen while none is on. */
export function playerFields(server: Pick<Server, 'players' | 'activity'>): NonNullable<APIEmbed['fields']> {
  const fields: NonNullable<APIEmbed['fields']> = [];
  const { players, activity } = server;
  if (players) {
    const peak =
      activity.peakToday !== null && activity.peakToday > players.online
        ? ` · peak today ${activity.peakToday}`
        : '';
    fields.push({ name: 'Players', value: `${playersText(players)}${peak}`, inline: true });
  }
  if ((players?.online ?? 0) === 0 && activity.checkedAt !== null) {
    const seen = activity.lastPlayerAt ? relativeTime(activity.lastPlayerAt) : 'none yet';
    const idle =
      activity.idle && activity.idleSince ? ` · idle since ${relativeTime(activity.idleSince)}` : '';
    fields.push({ name: 'Last player', value: `${seen}${idle}`, inline: true });
  }
  return fields;
}

const SET_BY: Record<Server['sleep']['setBy'], string> = {
  server: 'its own setting',
  guild: 'the guild’s setting',
  default: 'the default',
};

/** `after 30m without players (the guild's setting)`, or `never`. */
export function idleSleepText(sleep: Server['sleep']): string {
  if (sleep.afterMs === null) return `never (${SET_BY[sleep.setBy]})`;
  const capped = sleep.capped ? ', capped by the guild' : '';
  return `after ${formatDuration(sleep.afterMs)} without players (${SET_BY[sleep.setBy]}${capped})`;
}

export function sizeText(size: Server['size']): string {
  return `${size.cores} ${size.cores === 1 ? 'core' : 'cores'}, ${size.memory} MiB, ${size.disk} GiB`;
}

/** A server's status, with Start (Wake while asleep)/Stop/Restart buttons (enabled by state; checked again on click). */
export function statusView(
  server: Server,
  hostExternal: string,
  games?: readonly Game[],
  credentials: readonly { label: string; value: string }[] = [],
): MessageView {
  const fields: NonNullable<APIEmbed['fields']> = [
    { name: 'Game', value: gameName(games, server.game), inline: true },
    { name: 'State', value: STATE_WORDS[server.state], inline: true },
    { name: 'Owner', value: `<@${server.ownerId}>`, inline: true },
  ];
  const reach = reachOf(server, hostExternal);
  if (reach) fields.push(addressField(reach, true));
  fields.push(...playerFields(server));
  fields.push({ name: 'Idle sleep', value: idleSleepText(server.sleep), inline: true });
  fields.push({ name: 'Size', value: sizeText(server.size), inline: true });
  // Spoilered: the reply is only for the asker, but it may be on a shared screen.
  for (const credential of credentials)
    fields.push({ name: credential.label, value: `||\`${credential.value}\`||`, inline: true });
  if (server.failure) fields.push({ name: 'Last failure', value: server.failure.message.slice(0, 1000) });
  const id = server.id;
  const color =
    server.state === 'running' ? COLORS.ok : server.state === 'failed' ? COLORS.failed : COLORS.idle;
  return {
    content: '',
    embeds: [{ title: server.name, color, fields }],
    components:
      server.state === 'deleted'
        ? []
        : [
            row(
              server.state === 'sleeping'
                ? button(
                    'Wake',
                    encodeCustomId({ kind: 'server', action: 'wake', serverId: id }),
                    ButtonStyle.Success,
                  )
                : button(
                    'Start',
                    encodeCustomId({ kind: 'server', action: 'start', serverId: id }),
                    ButtonStyle.Success,
                    !actionAllowed('start', server.state),
                  ),
              button(
                'Stop',
                encodeCustomId({ kind: 'server', action: 'stop', serverId: id }),
                ButtonStyle.Danger,
                !actionAllowed('stop', server.state),
              ),
              button(
                'Restart',
                encodeCustomId({ kind: 'server', action: 'restart', serverId: id }),
                ButtonStyle.Primary,
                !actionAllowed('restart', server.state),
              ),
              button(
                'Refresh',
                encodeCustomId({ kind: 'server', action: 'refresh', serverId: id }),
                ButtonStyle.Secondary,
              ),
            ),
          ],
  };
}

export const LIST_PAGE_SIZE = 10;

/** One page of /server list; Previous/Next appear only when there is more than one page. */
export function listView(
  servers: readonly Server[],
  scope: ListScope,
  page: number,
  hostExternal: string,
  note?: string,
  games?: readonly Game[],
): MessageView {
  const pages = Math.max(1, Math.ceil(servers.length / LIST_PAGE_SIZE));
  const current = Math.min(Math.max(page, 0), pages - 1);
  const shown = servers.slice(current * LIST_PAGE_SIZE, (current + 1) * LIST_PAGE_SIZE);
  const lines = shown.map((s) => {
    const join = joinAddress(s, hostExternal);
    const address = join ? ` · \`${join}\`` : '';
    const owner = scope === 'all' ? ` · <@${s.ownerId}>` : '';
    return `**${s.name}** · ${gameName(games, s.game)} · ${STATE_WORDS[s.state]}${address}${owner}`;
  });
  const embed: APIEmbed = {
    title: scope === 'all' ? 'Servers in this guild' : 'Your servers',
    description:
      lines.length > 0
        ? lines.join('\n')
        : scope === 'all'
          ? 'No servers yet: `/server create` makes one.'
          : 'You have no servers yet: `/server create` makes one.',
    color: COLORS.idle,
  };
  if (pages > 1) embed.footer = { text: `Page ${current + 1} of ${pages} · ${servers.length} servers` };
  const components =
    pages > 1
      ? [
          row(
            button(
              'Previous',
              encodeCustomId({ kind: 'list', scope, page: Math.max(current - 1, 0) }),
              ButtonStyle.Secondary,
              current === 0,
            ),
            button(
              'Next',
              encodeCustomId({ kind: 'list', scope, page: current + 1 }),
              ButtonStyle.Secondary,
              current >= pages - 1,
            ),
          ),
        ]
      : [];
  return { content: note ?? '', embeds: [embed], components };
}

/**
 * The question before a delete. While players are online it refuses; an admin gets a "Delete anyway" button.
 * Otherwise: Delete, or type the name in a modal, or Cancel.
 */
export function deleteConfirmView(server: Server, isAdmin: boolean): MessageView {
  const id = server.id;
  const online = server.players?.online ?? 0;
  if (online > 0) {
    const who = online === 1 ? '1 player is' : `${online} players are`;
    return {
      content: '',
      embeds: [
        {
          title: `Delete ${server.name}?`,
          description: isAdmin
            ? `${who} online on **${server.name}**. As an admin you may delete it anyway; they will be disconnected.`
            : `${who} online on **${server.name}**; it cannot be deleted while they play. Try again when it is empty.`,
          color: COLORS.failed,
        },
      ],
      components: isAdmin
        ? [
            row(
              button(
                'Delete anyway',
                encodeCustomId({ kind: 'delete', step: 'force', serverId: id }),
                ButtonStyle.Danger,
              ),
              button(
                'Cancel',
                encodeCustomId({ kind: 'delete', step: 'cancel', serverId: id }),
                ButtonStyle.Secondary,
              ),
            ),
          ]
        : [],
    };
  }
  return {
    content: '',
    embeds: [
      {
        title: `Delete ${server.name}?`,
        description: `This destroys the VM of **${server.name}** and everything on it (its world, its saves). A final backup is made first: \`/server backup undelete\` can bring it back while that backup is kept.`,
        color: COLORS.failed,
      },
    ],
    components: [
      row(
        button(
          'Delete',
          encodeCustomId({ kind: 'delete', step: 'confirm', serverId: id }),
          ButtonStyle.Danger,
        ),
        button(
          'Type the name to delete…',
          encodeCustomId({ kind: 'delete', step: 'type', serverId: id }),
          ButtonStyle.Secondary,
        ),
        button(
          'Cancel',
          encodeCustomId({ kind: 'delete', step: 'cancel', serverId: id }),
          ButtonStyle.Secondary,
        ),
      ),
    ],
  };
}

export function plainView(text: string): MessageView {
  return { content: text.slice(0, 2000), embeds: [], components: [] };
}
