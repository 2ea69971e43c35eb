// The control surface other processes use to "type" into the fake: the slash-command parser, and the HTTP
// endpoints (/_fake/say, /_fake/click, /_fake/submit, /_fake/messages) driving a real discord.js client.

import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Events,
  ModalBuilder,
  SlashCommandBuilder,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import { type APIApplicationCommand, ApplicationCommandOptionType } from 'discord-api-types/v10';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tokenize } from '../src/control/parse.js';
import { pickChoice } from '../src/control/server.js';
import { type ControlResult, parseSlashCommand, SlashCommandSyntaxError } from '../src/index.js';
import { expectNoDiscordViolations } from '../src/vitest.js';
import { ALICE, APP, BOB, CHANNEL, GUILD, loginClient, startFake } from './support/setup.js';

const server = new SlashCommandBuilder()
  .setName('server')
  .setDescription('Game servers')
  .addSubcommand((s) =>
    s
      .setName('create')
      .setDescription('Create one')
      .addStringOption((o) =>
        o.setName('game').setDescription('the game').setRequired(true).setAutocomplete(true),
      )
      .addStringOption((o) => o.setName('name').setDescription('its name').setRequired(true))
      .addIntegerOption((o) => o.setName('size').setDescription('cores'))
      .addBooleanOption((o) => o.setName('public').setDescription('listed')),
  )
  .addSubcommand((s) =>
    s
      .setName('list')
      .setDescription('List them')
      .addStringOption((o) =>
        o
          .setName('scope')
          .setDescription('whose')
          .addChoices({ name: 'Mine', value: 'mine' }, { name: 'All', value: 'all' }),
      ),
  )
  .addSubcommand((s) => s.setName('delete').setDescription('Delete one'));
const definitions = [
  { ...server.toJSON(), id: '1', application_id: APP, version: '1' },
] as unknown as APIApplicationCommand[];

describe('parseSlashCommand', () => {
  it('splits subcommand and options, with quotes, and coerces types and choices', () => {
    const parsed = parseSlashCommand(
      '/server create game:minecraft-java name:"my world" size:4 public:yes',
      definitions,
    );
    expect(parsed.name).toBe('server');
    expect(parsed.options).toEqual([
      {
        name: 'create',
        type: ApplicationCommandOptionType.Subcommand,
        options: [
          { name: 'game', type: ApplicationCommandOptionType.String, value: 'minecraft-java' },
          { name: 'name', type: ApplicationCommandOptionType.String, value: 'my world' },
          { name: 'size', type: ApplicationCommandOptionType.Integer, value: 4 },
          { name: 'public', type: ApplicationCommandOptionType.Boolean, value: true },
        ],
      },
    ]);
    expect(parsed.autocomplete).toEqual([['create', 'game']]);
    expect(parseSlashCommand('/server list scope:All', definitions).options[0]?.options).toEqual([
      { name: 'scope', type: ApplicationCommandOptionType.String, value: 'all' },
    ]);
  });

  it('tokenizes quotes anywhere in a token, and escapes', () => {
    expect(tokenize(`/x a:'b c' d:"e \\"f\\"" g:h`)).toEqual(['/x', 'a:b c', 'd:e "f"', 'g:h']);
    expect(() => tokenize('/x a:"open')).toThrow(/unclosed/);
  });

  it.each([
    ['server list', /starts with \//],
    ['/nope', /there is no \/nope; the commands are \/server/],
    ['/server', /needs a subcommand: create, list, delete/],
    ['/server explode', /no subcommand 'explode'/],
    ['/server create game:x', /needs name:<its name>/],
    ['/server create game:x name:y colour:red', /no option 'colour'/],
    ['/server create game:x name:y size:big', /size must be a whole number/],
    ['/server create game:x name:y game:z', /given twice/],
    ['/server list mine', /takes no subcommand/],
    ['/server create game:x name:y stray', /'stray' is not an option/],
  ])('%s is refused with a sentence', (text, why) => {
    expect(() => parseSlashCommand(text, definitions)).toThrow(SlashCommandSyntaxError);
    expect(() => parseSlashCommand(text, definitions)).toThrow(why);
  });

  it('without registered commands keeps strings and bare words as subcommands', () => {
    expect(parseSlashCommand('/ping loud times:3', []).options).toEqual([
      { name: 'loud', options: [{ name: 'times', value: '3' }] },
    ]);
  });

  it('picks the autocomplete suggestion a user would', () => {
    const choices = [
      { name: 'survival · minecraft-java · running', value: 'srv_1' },
      { name: 'survival-2 · minecraft-java · stopped', value: 'srv_2' },
    ];
    expect(pickChoice('survival', choices)).toBe('srv_1');
    expect(pickChoice('srv_2', choices)).toBe('srv_2');
    expect(pickChoice('surv', choices)).toBeUndefined();
    expect(pickChoice('survival-2', choices)).toBe('srv_2');
  });
});

describe('the control endpoints', async () => {
  const { fake, token } = await startFake({ control: { defaultUserId: ALICE } });
  const client = await loginClient(fake, token);
  await client.application.commands.set([server.toJSON()], GUILD);
  const seen: { user: string; options: unknown }[] = [];
  client.on(Events.InteractionCreate, async (interaction) => {
    if (interaction.isAutocomplete()) {
      await interaction.respond([{ name: 'Minecraft: Java Edition', value: 'minecraft-java' }]);
    } else if (interaction.isChatInputCommand()) {
      seen.push({ user: interaction.user.username, options: interaction.options.data });
      const sub = interaction.options.getSubcommand();
      if (sub === 'delete') {
        await interaction.showModal(
          new ModalBuilder()
            .setCustomId('confirm-delete')
            .setTitle('Delete?')
            .addComponents(
              new ActionRowBuilder<TextInputBuilder>().addComponents(
                new TextInputBuilder()
                  .setCustomId('name')
                  .setLabel('Type the name')
                  .setStyle(TextInputStyle.Short),
              ),
            ),
        );
        return;
      }
      await interaction.deferReply({ flags: sub === 'list' ? 64 : undefined });
      await interaction.editReply({
        content: `${sub} by ${interaction.user.username}: ${interaction.options.getString('game') ?? '-'}`,
        embeds: [{ title: 'Creating…', description: 'step 1' }],
        components: [
          new ActionRowBuilder<ButtonBuilder>().addComponents(
            new ButtonBuilder().setCustomId('stop:1').setLabel('Stop').setStyle(ButtonStyle.Danger),
          ),
        ],
      });
    } else if (interaction.isButton()) {
      await interaction.update({
        content: `clicked ${interaction.customId} by ${interaction.user.username}`,
        components: [],
      });
    } else if (interaction.isModalSubmit()) {
      await interaction.reply({ content: `deleted ${interaction.fields.getTextInputValue('name')}` });
    }
  });
  afterEach(() => expectNoDiscordViolations(fake));
  afterAll(async () => {
    await client.destroy();
    await fake.close();
  });

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${fake.controlUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as ControlResult & { error?: { message: string } },
    };
  };

  it('says a slash command, picking the autocomplete value, and returns what the user sees', async () => {
    const { status, body } = await post('/say', { text: '/server create game:Minecraft name:"my world"' });
    expect(status).toBe(200);
    expect(body.answer).toBe('deferred');
    expect(body.user.username).toBe('alice');
    expect(body.message).toMatchObject({
      content: 'create by alice: minecraft-java',
      embeds: [{ title: 'Creating…', description: 'step 1', fields: [] }],
      buttons: [{ customId: 'stop:1', label: 'Stop', disabled: false }],
      ephemeral: false,
      loading: false,
      channelId: CHANNEL,
    });
    const one = await fetch(`${fake.controlUrl}/messages/${body.message!.id}`).then((r) => r.json());
    expect(one).toMatchObject({ id: body.message!.id, content: 'create by alice: minecraft-java' });

    const clicked = await post('/click', { messageId: body.message!.id, customId: 'stop:1', user: 'bob' });
    expect(clicked.status).toBe(200);
    expect(clicked.body.answer).toBe('update');
    expect(clicked.body.message).toMatchObject({
      id: body.message!.id,
      content: 'clicked stop:1 by bob',
      buttons: [],
    });
  });

  it('types as another user (--as), ephemeral answers only in their view', async () => {
    const { body } = await post('/say', { text: '/server list', user: 'bob' });
    expect(body.message).toMatchObject({ ephemeral: true, content: 'list by bob: -' });
    expect(seen.at(-1)?.user).toBe('bob');
    const everyone = (await fetch(`${fake.controlUrl}/messages`).then((r) => r.json())) as {
      messages: { id: string }[];
    };
    expect(everyone.messages.some((m) => m.id === body.message!.id)).toBe(false);
    const bobs = (await fetch(`${fake.controlUrl}/messages?user=${BOB}`).then((r) => r.json())) as {
      messages: { id: string }[];
    };
    expect(bobs.messages.some((m) => m.id === body.message!.id)).toBe(true);
  });

  it('shows a modal and submits it', async () => {
    const { body } = await post('/say', { text: '/server delete' });
    expect(body.answer).toBe('modal');
    expect(body.modal).toEqual({
      customId: 'confirm-delete',
      title: 'Delete?',
      inputs: [{ customId: 'name', label: 'Type the name', required: true }],
    });
    const submitted = await post('/submit', { customId: 'confirm-delete', fields: { name: 'mc1' } });
    expect(submitted.body.message).toMatchObject({ content: 'deleted mc1' });
  });

  it('answers mistakes with one sentence', async () => {
    expect(await post('/say', { text: '/server create name:x' })).toMatchObject({
      status: 400,
      body: { error: { message: expect.stringMatching(/needs game:/) } },
    });
    expect((await post('/say', { text: '/server list', user: 'mallory' })).body.error?.message).toMatch(
      /no user 'mallory'; the users are alice, bob/,
    );
    expect((await post('/click', { messageId: '1', customId: 'x' })).status).toBe(404);
    expect((await fetch(`${fake.controlUrl}/nope`)).status).toBe(404);
    const info = (await fetch(`${fake.controlUrl}/`).then((r) => r.json())) as Record<string, unknown>;
    expect(info).toMatchObject({ botConnected: true, defaultUser: 'alice' });
  });

  it('is not served unless asked for', async () => {
    const { fake: plain } = await startFake();
    expect(plain.controlUrl).toBeUndefined();
    expect((await fetch(plain.restUrl.replace('/api', '/_fake/'))).status).toBe(404);
    await plain.close();
  });
});
