// /server schedule … and /server settings: what Discord shows and validates. Data only; what each subcommand
// does lives in handlers/.
import { BACKUP_EVERY_HOURS, SCHEDULE_ACTIONS } from '@guildserver/contracts';
import {
  ChannelType,
  type SlashCommandStringOption,
  type SlashCommandSubcommandBuilder,
  type SlashCommandSubcommandGroupBuilder,
} from 'discord.js';

/** `HH:MM`, or `H:MM` (read as `0H:MM`). */
const TIME_MIN_LENGTH = 4;
const TIME_MAX_LENGTH = 5;

type NameOption = (verb: string) => (option: SlashCommandStringOption) => SlashCommandStringOption;

const timeOption = (name: string, description: string, required: boolean) => (o: SlashCommandStringOption) =>
  o
    .setName(name)
    .setDescription(description)
    .setRequired(required)
    .setMinLength(TIME_MIN_LENGTH)
    .setMaxLength(TIME_MAX_LENGTH);

/** The `schedule` group; `nameOption` is /server's own `name` option (the server, with autocomplete). */
export function scheduleGroup(nameOption: NameOption) {
  const sub = (s: SlashCommandSubcommandBuilder, name: string, description: string, verb: string) =>
    s.setName(name).setDescription(description).addStringOption(nameOption(verb));
  return (group: SlashCommandSubcommandGroupBuilder) =>
    group
      .setName('schedule')
      .setDescription('Restart, back up, stop or start a server at set times')
      .addSubcommand((s) =>
        sub(s, 'add', 'Do something daily at a time (backups: or every few hours)', 'schedule')
          .addStringOption((o) =>
            o
              .setName('action')
              .setDescription('What to do')
              .setRequired(true)
              .addChoices(...SCHEDULE_ACTIONS.map((a) => ({ name: a, value: a }))),
          )
          .addStringOption(timeOption('at', 'Daily at this time, HH:MM (24-hour, guild time zone)', false))
          .addIntegerOption((o) =>
            o
              .setName('every')
              .setDescription('Backups only, instead of at: every this many hours')
              .addChoices(...BACKUP_EVERY_HOURS.map((h) => ({ name: `${h} h`, value: h }))),
          ),
      )
      .addSubcommand((s) =>
        sub(s, 'off', 'Keep a server off every day: stop it at from, start it at to', 'keep off')
          .addStringOption(timeOption('from', 'Stop it at this time, HH:MM', true))
          .addStringOption(timeOption('to', 'Start it again at this time, HH:MM', true)),
      )
      .addSubcommand((s) => sub(s, 'list', 'A server’s schedules, their next and last runs', 'list'))
      .addSubcommand((s) =>
        sub(s, 'remove', 'Remove one of a server’s schedules', 'remove a schedule of').addStringOption((o) =>
          o
            .setName('schedule')
            .setDescription('The schedule to remove')
            .setRequired(true)
            .setAutocomplete(true)
            .setMaxLength(100),
        ),
      );
}

/** `/server settings`: the guild's time zone, admin channel and idle sleep (its admins only). */
export const settingsSubcommand = (s: SlashCommandSubcommandBuilder) =>
  s
    .setName('settings')
    .setDescription(
      'This guild’s time zone, admin channel and idle sleep (admins); shows them without options',
    )
    .addStringOption((o) =>
      o
        .setName('time-zone')
        .setDescription('The time zone of every schedule, such as Europe/Berlin')
        .setAutocomplete(true)
        .setMaxLength(64),
    )
    .addChannelOption((o) =>
      o
        .setName('admin-channel')
        .setDescription('Where failed schedules are also reported')
        .addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement),
    )
    .addStringOption((o) =>
      o
        .setName('idle-sleep')
        .setDescription('After how long without players servers sleep: 30m, 2h, off, or default')
        .setMaxLength(16),
    )
    .addStringOption((o) =>
      o
        .setName('idle-sleep-max')
        .setDescription('The longest idle-sleep owners may choose: 4h, off (any), or default (idle-sleep)')
        .setMaxLength(16),
    );
