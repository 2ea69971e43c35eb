// /server: what Discord shows and validates. Data only; what each subcommand does lives in handlers/.
import { SERVER_NAME_MAX_LENGTH, SERVER_NAME_MIN_LENGTH, SERVER_NAME_RULE } from '@guildserver/contracts';
import {
  InteractionContextType,
  SlashCommandBuilder,
  type SlashCommandStringOption,
  type SlashCommandSubcommandBuilder,
} from 'discord.js';
import { scheduleGroup, settingsSubcommand } from './schedule.js';

/** How a command's first answer is deferred by the router, before any API call. */
export type DeferMode = 'ephemeral' | 'public';

export interface SubcommandSpec {
  /** The router defers every command at once; answers are ephemeral (errors must be, and Discord fixes it at defer time). */
  defer: DeferMode;
}

export const SERVER_SUBCOMMANDS = {
  create: { defer: 'ephemeral' },
  start: { defer: 'ephemeral' },
  stop: { defer: 'ephemeral' },
  restart: { defer: 'ephemeral' },
  wake: { defer: 'ephemeral' },
  'idle-sleep': { defer: 'ephemeral' },
  delete: { defer: 'ephemeral' },
  status: { defer: 'ephemeral' },
  list: { defer: 'ephemeral' },
  'backup now': { defer: 'ephemeral' },
  'backup list': { defer: 'ephemeral' },
  'backup restore': { defer: 'ephemeral' },
  'backup delete': { defer: 'ephemeral' },
  'backup pin': { defer: 'ephemeral' },
  'backup copy': { defer: 'ephemeral' },
  'backup undelete': { defer: 'ephemeral' },
  'schedule add': { defer: 'ephemeral' },
  'schedule off': { defer: 'ephemeral' },
  'schedule list': { defer: 'ephemeral' },
  'schedule remove': { defer: 'ephemeral' },
  settings: { defer: 'ephemeral' },
} as const satisfies Record<string, SubcommandSpec>;
/** `create`, ..., or `group subcommand` (`backup now`, `schedule add`): what follows `/server`. */
export type ServerSubcommand = keyof typeof SERVER_SUBCOMMANDS;

const nameOption = (verb: string) => (option: SlashCommandStringOption) =>
  option
    .setName('name')
    .setDescription(`The server to ${verb}`)
    .setRequired(true)
    .setAutocomplete(true)
    .setMinLength(SERVER_NAME_MIN_LENGTH)
    .setMaxLength(SERVER_NAME_MAX_LENGTH);

/** A backup, picked from autocomplete (its value is the backup's id, its archive's file name). */
const backupOption = (verb: string) => (option: SlashCommandStringOption) =>
  option
    .setName('backup')
    .setDescription(`The backup to ${verb} (times in UTC)`)
    .setRequired(true)
    .setAutocomplete(true)
    .setMaxLength(100);

/** A `backup` subcommand: its name, then the server's; the caller adds the rest. */
const backupSub = (sub: SlashCommandSubcommandBuilder, name: string, description: string, verb: string) =>
  sub.setName(name).setDescription(description).addStringOption(nameOption(verb));

export const serverCommand = new SlashCommandBuilder()
  .setName('server')
  .setDescription('Game servers for this community')
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((sub) =>
    sub
      .setName('create')
      .setDescription('Create a game server')
      .addStringOption((o) =>
        o
          .setName('game')
          .setDescription('The game to host')
          .setRequired(true)
          .setAutocomplete(true)
          .setMaxLength(64),
      )
      .addStringOption((o) =>
        o
          .setName('name')
          .setDescription(`Its name: ${SERVER_NAME_RULE}`)
          .setRequired(true)
          .setMinLength(SERVER_NAME_MIN_LENGTH)
          .setMaxLength(SERVER_NAME_MAX_LENGTH),
      )
      .addStringOption((o) =>
        o
          .setName('size')
          .setDescription('Bigger than the default, e.g. cores=4,memory=8192,disk=32 (any of the three)')
          .setMaxLength(64),
      ),
  )
  .addSubcommand((sub) =>
    sub.setName('start').setDescription('Start a stopped server').addStringOption(nameOption('start')),
  )
  .addSubcommand((sub) =>
    sub.setName('stop').setDescription('Stop a running server').addStringOption(nameOption('stop')),
  )
  .addSubcommand((sub) =>
    sub.setName('restart').setDescription('Restart a running server').addStringOption(nameOption('restart')),
  )
  .addSubcommand((sub) =>
    sub.setName('wake').setDescription('Wake a sleeping server').addStringOption(nameOption('wake')),
  )
  .addSubcommand((sub) =>
    sub
      .setName('idle-sleep')
      .setDescription('After how long without players your server sleeps (it wakes when someone joins)')
      .addStringOption(nameOption('set'))
      .addStringOption((o) =>
        o
          .setName('after')
          .setDescription('A length of time such as 45m or 2h, off, or default (the guild’s)')
          .setRequired(true)
          .setMaxLength(16),
      ),
  )
  .addSubcommand((sub) =>
    sub
      .setName('delete')
      .setDescription('Delete a server and its world')
      .addStringOption(nameOption('delete')),
  )
  .addSubcommand((sub) =>
    sub
      .setName('status')
      .setDescription('How a server is doing, with buttons')
      .addStringOption(nameOption('show')),
  )
  .addSubcommand((sub) =>
    sub
      .setName('list')
      .setDescription('List servers')
      .addStringOption((o) =>
        o
          .setName('scope')
          .setDescription('Yours (default) or every server in the guild (admins)')
          .addChoices({ name: 'mine', value: 'mine' }, { name: 'all', value: 'all' }),
      ),
  )
  .addSubcommandGroup((group) =>
    group
      .setName('backup')
      .setDescription('Back up a server, list its backups, restore one, undo a delete')
      .addSubcommand((sub) =>
        backupSub(sub, 'now', 'Back a server up now', 'back up').addBooleanOption((o) =>
          o.setName('pin').setDescription('Pin the backup: never pruned, not deletable until unpinned'),
        ),
      )
      .addSubcommand((sub) =>
        backupSub(sub, 'list', 'A server’s backups, newest first', 'list the backups of'),
      )
      .addSubcommand((sub) =>
        backupSub(
          sub,
          'restore',
          'Put a backup’s world back (the current one is backed up first)',
          'restore',
        ).addStringOption(backupOption('restore')),
      )
      .addSubcommand((sub) =>
        backupSub(sub, 'copy', 'A new server with a backup’s world, under another name', 'copy a backup of')
          .addStringOption(backupOption('copy'))
          .addStringOption((o) =>
            o
              .setName('new-name')
              .setDescription(`The new server's name: ${SERVER_NAME_RULE}`)
              .setRequired(true)
              .setMinLength(SERVER_NAME_MIN_LENGTH)
              .setMaxLength(SERVER_NAME_MAX_LENGTH),
          ),
      )
      .addSubcommand((sub) =>
        backupSub(sub, 'delete', 'Delete a backup', 'delete a backup of').addStringOption(
          backupOption('delete'),
        ),
      )
      .addSubcommand((sub) =>
        backupSub(sub, 'pin', 'Pin a backup (never pruned, not deletable) or unpin it', 'pin a backup of')
          .addStringOption(backupOption('pin or unpin'))
          .addBooleanOption((o) =>
            o.setName('pinned').setDescription('False unpins it (default: true, pin it)'),
          ),
      )
      .addSubcommand((sub) =>
        sub
          .setName('undelete')
          .setDescription('Bring a deleted server back from its final backup')
          .addStringOption((o) =>
            o
              .setName('name')
              .setDescription('The deleted server (the ones deleted since the bot was set up), or its id')
              .setRequired(true)
              .setAutocomplete(true)
              .setMinLength(SERVER_NAME_MIN_LENGTH)
              .setMaxLength(SERVER_NAME_MAX_LENGTH),
          ),
      ),
  )
  .addSubcommandGroup(scheduleGroup(nameOption))
  .addSubcommand(settingsSubcommand);

/** Every command this bot registers, as one bulk overwrite. */
export const COMMANDS = [serverCommand.toJSON()];
