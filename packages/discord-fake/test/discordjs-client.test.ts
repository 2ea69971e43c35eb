// A real discord.js 14 client (intents: Guilds) against the fake: login, caches, every kind of interaction and
// answer, command registration, channel messages and DMs. Every body discord.js sends must pass validation.
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  type ChatInputCommandInteraction,
  EmbedBuilder,
  Events,
  type Interaction,
  MessageFlags,
  ModalBuilder,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type TextChannel,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buttons, viewMessage } from '../src/index.js';
import { expectNoDiscordViolations } from '../src/vitest.js';
import {
  ADMIN_ROLE,
  ALICE,
  APP,
  BOB,
  CHANNEL,
  GUILD,
  loginClient,
  OTHER_CHANNEL,
  startFake,
} from './support/setup.js';

const { fake, token } = await startFake();
const client = await loginClient(fake, token);
const handlers = new Map<string, (i: Interaction) => Promise<void>>();
client.on(Events.InteractionCreate, (interaction) => {
  const key = interaction.isChatInputCommand()
    ? `/${interaction.commandName} ${interaction.options.getSubcommand(false) ?? ''}`.trim()
    : interaction.isAutocomplete()
      ? `auto /${interaction.commandName}`
      : interaction.isButton() || interaction.isModalSubmit()
        ? `id ${interaction.customId.split(':')[0]}`
        : 'other';
  void handlers.get(key)?.(interaction);
});

afterEach(() => expectNoDiscordViolations(fake));
afterAll(async () => {
  await client.destroy();
  await fake.close();
});

const serverCommand = new SlashCommandBuilder()
  .setName('server')
  .setDescription('Game servers')
  .setDefaultMemberPermissions(PermissionFlagsBits.SendMessages)
  .setDMPermission(false)
  .addSubcommand((s) =>
    s
      .setName('create')
      .setDescription('Create a server')
      .addStringOption((o) =>
        o.setName('game').setDescription('Game').setRequired(true).setAutocomplete(true),
      )
      .addStringOption((o) => o.setName('name').setDescription('Name').setRequired(true))
      .addStringOption((o) =>
        o
          .setName('size')
          .setDescription('Size')
          .addChoices({ name: 'Small', value: 's' }, { name: 'Large', value: 'l' }),
      ),
  )
  .addSubcommand((s) => s.setName('list').setDescription('List servers'))
  .addSubcommand((s) =>
    s
      .setName('delete')
      .setDescription('Delete a server')
      .addStringOption((o) => o.setName('name').setDescription('Name').setRequired(true)),
  );

describe('a discord.js client against the fake', () => {
  it('logs in and caches the guild, its channels, roles and members (the bot included)', () => {
    expect(client.user.id).toBe(APP);
    expect(client.application.id).toBe(APP);
    const guild = client.guilds.cache.get(GUILD)!;
    expect(guild.name).toBe('Guild of Tests');
    expect(guild.channels.cache.map((c) => c.name).sort()).toEqual(['general', 'servers']);
    expect(guild.members.cache.has(APP)).toBe(true);
    expect(guild.members.me?.permissionsIn(CHANNEL).has(PermissionFlagsBits.SendMessages)).toBe(true);
    expect(guild.members.cache.get(BOB)?.permissions.has(PermissionFlagsBits.ManageGuild)).toBe(true);
    expect(guild.members.cache.get(BOB)?.roles.cache.has(ADMIN_ROLE)).toBe(true);
    expect(guild.members.cache.get(ALICE)?.permissions.has(PermissionFlagsBits.ManageGuild)).toBe(false);
  });

  it('registers guild commands by bulk overwrite (default_member_permissions sent as a string)', async () => {
    const set = await client.application.commands.set([serverCommand.toJSON()], GUILD);
    expect(set.first()?.name).toBe('server');
    const [stored] = fake.registeredCommands(GUILD);
    expect(stored).toMatchObject({ name: 'server', default_member_permissions: '2048', guild_id: GUILD });
    expect(fake.requests.at(-1)?.drifts).toContain('default_member_permissions is a string of digits');
    // Overwriting keeps the id of a command that survives.
    await client.application.commands.set([serverCommand.toJSON()], GUILD);
    expect(fake.registeredCommands(GUILD)[0]?.id).toBe(stored?.id);
    // Global registration is a separate set.
    await client.application.commands.set([]);
    expect(fake.registeredCommands()).toEqual([]);
  });

  it('delivers a slash command; the bot defers, edits the original and follows up', async () => {
    handlers.set('/server create', async (i) => {
      const cmd = i as ChatInputCommandInteraction;
      expect(cmd.memberPermissions?.has(PermissionFlagsBits.ManageGuild)).toBe(false);
      await cmd.deferReply();
      await cmd.editReply(`Creating ${cmd.options.getString('name')} (${cmd.options.getString('game')})…`);
      await cmd.editReply({
        content: '',
        embeds: [new EmbedBuilder().setTitle('Ready').setDescription('play.example.net:20001')],
      });
      await cmd.followUp({ content: 'Only you can see this', flags: MessageFlags.Ephemeral });
    });
    const handle = fake.invokeCommand({
      guildId: GUILD,
      channelId: CHANNEL,
      userId: ALICE,
      name: 'server',
      options: [
        {
          name: 'create',
          options: [
            { name: 'game', value: 'minecraft' },
            { name: 'name', value: 'mc1' },
          ],
        },
      ],
    });
    expect((await handle.response()).type).toBe(5);
    const original = await handle.waitForOriginal((m) => m.embeds[0]?.title === 'Ready');
    expect(viewMessage(original)).toMatchObject({
      content: '',
      ephemeral: false,
      loading: false,
      embeds: [{ title: 'Ready', description: 'play.example.net:20001' }],
    });
    await fake.waitFor(() => handle.followUps.length === 1);
    expect(viewMessage(handle.followUps[0]!)).toMatchObject({
      content: 'Only you can see this',
      ephemeral: true,
    });
    // Everyone sees the original in the channel; nobody but Alice sees the ephemeral follow-up.
    expect(fake.channelMessages(CHANNEL).map((m) => m.id)).toContain(original.id);
    expect(fake.channelMessages(CHANNEL).map((m) => m.id)).not.toContain(handle.followUps[0]!.id);
  });

  it('rejects a command the guild does not have and options the command does not declare', () => {
    expect(() => fake.invokeCommand({ guildId: GUILD, userId: ALICE, name: 'nope' })).toThrow(
      /not registered/,
    );
    expect(() =>
      fake.invokeCommand({
        guildId: GUILD,
        userId: ALICE,
        name: 'server',
        options: [{ name: 'create', options: [{ name: 'game', value: 'x' }] }],
      }),
    ).toThrow(/required option 'name'/);
  });

  it('answers autocomplete with choices', async () => {
    handlers.set('auto /server', async (i) => {
      if (!i.isAutocomplete()) return;
      const typed = i.options.getFocused();
      const games = ['minecraft', 'valheim', 'factorio', 'terraria'];
      await i.respond(games.filter((g) => g.includes(typed)).map((g) => ({ name: g, value: g })));
    });
    const handle = fake.invokeAutocomplete({
      guildId: GUILD,
      channelId: CHANNEL,
      userId: ALICE,
      name: 'server',
      options: [{ name: 'create', options: [{ name: 'game', value: 'ra', focused: true }] }],
    });
    expect(await handle.response()).toEqual([
      { name: 'minecraft', value: 'minecraft' },
      { name: 'terraria', value: 'terraria' },
    ]);
  });

  it('shows buttons; a click updates the message (type 7) and a deferred update edits it later (type 6)', async () => {
    handlers.set('/server list', async (i) => {
      const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId('page:2').setLabel('Next').setStyle(ButtonStyle.Primary),
        new ButtonBuilder().setCustomId('stop:srv1').setLabel('Stop').setStyle(ButtonStyle.Danger),
      );
      await (i as ChatInputCommandInteraction).reply({ content: 'Page 1', components: [row] });
    });
    handlers.set('id page', async (i) => {
      if (!i.isButton()) return;
      await i.update({ content: 'Page 2', components: [] });
    });
    handlers.set('id stop', async (i) => {
      if (!i.isButton()) return;
      await i.deferUpdate();
      await i.editReply({ content: 'Stopping srv1…', components: [] });
    });
    const list = fake.invokeCommand({
      guildId: GUILD,
      channelId: OTHER_CHANNEL,
      userId: BOB,
      name: 'server',
      options: [{ name: 'list' }],
    });
    const page1 = await list.waitForOriginal();
    expect(buttons(page1).map((b) => b.label)).toEqual(['Next', 'Stop']);

    const click = fake.clickButton({ message: page1, customId: 'page:2', userId: BOB });
    expect((await click.response()).type).toBe(7);
    expect(fake.message(page1.id)?.content).toBe('Page 2');
    expect(() => fake.clickButton({ message: page1, customId: 'page:2', userId: BOB })).toThrow(
      /no component/,
    );

    const list2 = fake.invokeCommand({
      guildId: GUILD,
      channelId: OTHER_CHANNEL,
      userId: BOB,
      name: 'server',
      options: [{ name: 'list' }],
    });
    const msg = await list2.waitForOriginal();
    const stop = fake.clickButton({ message: msg, customId: 'stop:srv1', userId: ALICE });
    expect((await stop.response()).type).toBe(6);
    await stop.waitForOriginal((m) => m.content === 'Stopping srv1…');
    expect(fake.message(msg.id)?.components).toEqual([]);
  });

  it('shows a modal and receives what the user typed', async () => {
    handlers.set('/server delete', async (i) => {
      const modal = new ModalBuilder()
        .setCustomId('confirm-delete:srv1')
        .setTitle('Delete srv1?')
        .addComponents(
          new ActionRowBuilder<TextInputBuilder>().addComponents(
            new TextInputBuilder()
              .setCustomId('name')
              .setLabel('Type the name')
              .setStyle(TextInputStyle.Short),
          ),
        );
      await (i as ChatInputCommandInteraction).showModal(modal);
    });
    handlers.set('id confirm-delete', async (i) => {
      if (!i.isModalSubmit()) return;
      const typed = i.fields.getTextInputValue('name');
      await i.reply({
        content: typed === 'srv1' ? 'Deleted srv1' : 'Name does not match',
        flags: MessageFlags.Ephemeral,
      });
    });
    const command = fake.invokeCommand({
      guildId: GUILD,
      channelId: CHANNEL,
      userId: ALICE,
      name: 'server',
      options: [{ name: 'delete', options: [{ name: 'name', value: 'srv1' }] }],
    });
    expect((await command.response()).type).toBe(9);
    expect(() =>
      fake.submitModal({ customId: 'confirm-delete:srv1', userId: BOB, fields: { name: 'srv1' } }),
    ).toThrow(/no modal/);
    const submit = fake.submitModal({
      customId: 'confirm-delete:srv1',
      userId: ALICE,
      fields: { name: 'srv1' },
    });
    const reply = await submit.waitForOriginal();
    expect(viewMessage(reply)).toMatchObject({ content: 'Deleted srv1', ephemeral: true });
  });

  it('sends to a channel with a mention, and by DM', async () => {
    const channel = client.channels.cache.get(CHANNEL) as TextChannel;
    const sent = await channel.send({
      content: `<@${ALICE}> your server is ready`,
      allowedMentions: { users: [ALICE] },
    });
    expect(fake.channelMessages(CHANNEL).at(-1)).toMatchObject({ id: sent.id, mentions: [{ id: ALICE }] });
    const alice = await client.users.fetch(ALICE);
    await alice.send('Your server is ready');
    expect(fake.dmMessages(ALICE).map((m) => m.content)).toEqual(['Your server is ready']);
    const member = await client.guilds.cache.get(GUILD)!.members.fetch({ user: BOB, force: true });
    expect(member.user.username).toBe('bob');
  });
});
