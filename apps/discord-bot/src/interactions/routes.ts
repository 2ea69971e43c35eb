// Which handler answers what: the one table the router reads. Data (commands/) stays apart from handlers.
import { type DeferMode, SERVER_SUBCOMMANDS, type ServerSubcommand } from '../command-definitions/server.js';
import type { CustomId } from '../core/custom-ids.js';
import { backupAutocomplete } from '../handlers/autocomplete/backup.js';
import { deletedServerAutocomplete, isUndelete } from '../handlers/autocomplete/deleted-server.js';
import { gameAutocomplete } from '../handlers/autocomplete/game.js';
import { scheduleAutocomplete } from '../handlers/autocomplete/schedule.js';
import { serverNameAutocomplete } from '../handlers/autocomplete/server-name.js';
import { timeZoneAutocomplete } from '../handlers/autocomplete/time-zone.js';
import { deleteButton } from '../handlers/buttons/delete.js';
import { listPageButton } from '../handlers/buttons/list-page.js';
import { restoreButton } from '../handlers/buttons/restore.js';
import { serverButton } from '../handlers/buttons/server-action.js';
import { serverAction } from '../handlers/commands/actions.js';
import { copyBackup } from '../handlers/commands/backup-copy.js';
import { deleteBackup } from '../handlers/commands/backup-delete.js';
import { listBackups } from '../handlers/commands/backup-list.js';
import { backUpNow } from '../handlers/commands/backup-now.js';
import { pinBackup } from '../handlers/commands/backup-pin.js';
import { restoreBackup } from '../handlers/commands/backup-restore.js';
import { undeleteServer } from '../handlers/commands/backup-undelete.js';
import { createServer } from '../handlers/commands/create.js';
import { deleteServer } from '../handlers/commands/delete.js';
import { setIdleSleep } from '../handlers/commands/idle-sleep.js';
import { listServers } from '../handlers/commands/list.js';
import { addSchedule } from '../handlers/commands/schedule-add.js';
import { listSchedules } from '../handlers/commands/schedule-list.js';
import { scheduleOff } from '../handlers/commands/schedule-off.js';
import { removeSchedule } from '../handlers/commands/schedule-remove.js';
import { guildSettings } from '../handlers/commands/settings.js';
import { serverStatus } from '../handlers/commands/status.js';
import { deleteModalSubmit } from '../handlers/modals/delete-name.js';
import type { AutocompleteHandler, ButtonHandler, CommandHandler, ModalHandler } from '../handlers/types.js';
import { BACKUP_WORDING, SCHEDULE_WORDING, type Wording } from '../rendering/sentences.js';

export interface CommandRoute {
  handler: CommandHandler;
  defer: DeferMode;
  /** The bot's words for the API's refusals where its own would not fit (see rendering/sentences.ts). */
  wording?: Wording;
}

/** The `backup` group's subcommands: their refusals are about backups, not servers. */
const backupCommands = {
  'backup now': backUpNow,
  'backup list': listBackups,
  'backup restore': restoreBackup,
  'backup copy': copyBackup,
  'backup delete': deleteBackup,
  'backup pin': pinBackup,
  'backup undelete': undeleteServer,
} satisfies Partial<Record<ServerSubcommand, CommandHandler>>;

/** The `schedule` group's subcommands: their refusals are about schedules. */
const scheduleCommands = {
  'schedule add': addSchedule,
  'schedule off': scheduleOff,
  'schedule list': listSchedules,
  'schedule remove': removeSchedule,
} satisfies Partial<Record<ServerSubcommand, CommandHandler>>;

/** The words for each group's refusals. */
const wordingOf = (sub: ServerSubcommand): Wording | undefined =>
  sub in backupCommands ? BACKUP_WORDING : sub in scheduleCommands ? SCHEDULE_WORDING : undefined;

const serverCommands: Record<ServerSubcommand, CommandHandler> = {
  create: createServer,
  start: serverAction('start'),
  stop: serverAction('stop'),
  restart: serverAction('restart'),
  wake: serverAction('wake'),
  'idle-sleep': setIdleSleep,
  delete: deleteServer,
  status: serverStatus,
  list: listServers,
  ...backupCommands,
  ...scheduleCommands,
  settings: guildSettings,
};

/** `command subcommand` or `command group subcommand` → handler, how it is deferred, its words for refusals. */
export const COMMAND_ROUTES: ReadonlyMap<string, CommandRoute> = new Map(
  (Object.keys(serverCommands) as ServerSubcommand[]).map((sub) => [
    `server ${sub}`,
    { handler: serverCommands[sub], defer: SERVER_SUBCOMMANDS[sub].defer, wording: wordingOf(sub) },
  ]),
);

/** The `name` option: live servers, except for /server backup undelete (deleted ones). */
const nameAutocomplete: AutocompleteHandler = {
  answer: (services, asker, typed, interaction) =>
    (isUndelete(interaction) ? deletedServerAutocomplete : serverNameAutocomplete).answer(
      services,
      asker,
      typed,
      interaction,
    ),
  fallback: (services, asker, typed, interaction) =>
    (isUndelete(interaction) ? deletedServerAutocomplete : serverNameAutocomplete).fallback(
      services,
      asker,
      typed,
      interaction,
    ),
};

/**
 * `command option` → autocomplete (the same `name` option serves every subcommand, `backup` and `schedule`
 * their groups', `time-zone` /server settings').
 */
export const AUTOCOMPLETE_ROUTES: ReadonlyMap<string, AutocompleteHandler> = new Map([
  ['server game', gameAutocomplete],
  ['server name', nameAutocomplete],
  ['server backup', backupAutocomplete],
  ['server schedule', scheduleAutocomplete],
  ['server time-zone', timeZoneAutocomplete],
]);

export interface ButtonRoute {
  handler: ButtonHandler;
  /** `update`: deferred as an update of the clicked message; `none`: the handler answers (a modal). */
  defer: (id: CustomId) => 'update' | 'none';
  wording?: Wording;
}

export const BUTTON_ROUTES: Partial<Record<CustomId['kind'], ButtonRoute>> = {
  server: { handler: serverButton as ButtonHandler, defer: () => 'update' },
  delete: {
    handler: deleteButton as ButtonHandler,
    defer: (id) => (id.kind === 'delete' && id.step === 'type' ? 'none' : 'update'),
  },
  list: { handler: listPageButton as ButtonHandler, defer: () => 'update' },
  restore: { handler: restoreButton as ButtonHandler, defer: () => 'update', wording: BACKUP_WORDING },
};

export const MODAL_ROUTES: Partial<Record<CustomId['kind'], ModalHandler>> = {
  'delete-modal': deleteModalSubmit as ModalHandler,
};
