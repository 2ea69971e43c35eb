// What Discord's client refuses before the bot sees a slash command: option lengths, number ranges, types,
// choices and required options — through invokeCommand and through the control surface (`pnpm discord say`).
import { Events, SlashCommandBuilder } from 'discord.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ClientRefusal } from '../src/index.js';
import { api } from './support/http.js';
import { ALICE, APP, CHANNEL, GUILD, loginClient, startFake } from './support/setup.js';

const command = new SlashCommandBuilder()
  .setName('server')
  .setDescription('Game servers')
  .addSubcommand((s) =>
    s
      .setName('create')
      .setDescription('Create one')
      .addStringOption((o) =>
        o.setName('name').setDescription('its name').setRequired(true).setMinLength(3).setMaxLength(32),
      )
      .addIntegerOption((o) => o.setName('cores').setDescription('cores').setMinValue(1).setMaxValue(16))
      .addNumberOption((o) => o.setName('share').setDescription('share').setMinValue(0.5))
      .addBooleanOption((o) => o.setName('public').setDescription('listed'))
      .addStringOption((o) =>
        o
          .setName('region')
          .setDescription('where')
          .addChoices({ name: 'Europe', value: 'eu' }, { name: 'America', value: 'us' }),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName('status')
      .setDescription('One server')
      .addStringOption((o) =>
        o.setName('name').setDescription('its name').setRequired(true).setAutocomplete(true).setMinLength(3),
      ),
  );

const { fake, token } = await startFake({ control: { defaultUserId: ALICE } });
await api(fake, 'PUT', `/applications/${APP}/guilds/${GUILD}/commands`, {
  body: [command.toJSON()],
  token,
});
const client = await loginClient(fake, token);
/** The commands the bot received: only those Discord's client let through. */
const received: string[] = [];
client.on(Events.InteractionCreate, (interaction) => {
  if (interaction.isChatInputCommand()) received.push(interaction.options.getString('name') ?? '');
});
afterAll(async () => {
  await client.destroy();
  await fake.close();
});

const create = (options: { name: string; value: string | number | boolean }[]) => () =>
  fake.invokeCommand({
    guildId: GUILD,
    channelId: CHANNEL,
    userId: ALICE,
    name: 'server',
    options: [{ name: 'create', options }],
  });

describe("Discord's client refuses, before the bot sees anything", () => {
  it('a string shorter than min_length or longer than max_length (counted in characters)', () => {
    expect(create([{ name: 'name', value: 'ab' }])).toThrow(ClientRefusal);
    expect(create([{ name: 'name', value: 'ab' }])).toThrow(
      '/server create: name must be 3 to 32 characters long; got 2',
    );
    expect(create([{ name: 'name', value: 'x'.repeat(200) }])).toThrow(
      /name must be 3 to 32 characters long; got 200/,
    );
    expect(create([{ name: 'name', value: '' }])).toThrow(/name is empty/);
    expect(create([{ name: 'name', value: 'é'.repeat(32) }])).not.toThrow();
    expect(create([{ name: 'name', value: 'abc' }])).not.toThrow();
  });

  it('a number outside min_value/max_value, or of the wrong kind', () => {
    const base = { name: 'name', value: 'survival' };
    expect(create([base, { name: 'cores', value: 0 }])).toThrow(
      '/server create: cores must be from 1 to 16; got 0',
    );
    expect(create([base, { name: 'cores', value: 17 }])).toThrow(/cores must be from 1 to 16; got 17/);
    expect(create([base, { name: 'cores', value: 2.5 }])).toThrow(/cores must be a whole number/);
    expect(create([base, { name: 'cores', value: '4' }])).toThrow(/cores must be a whole number/);
    expect(create([base, { name: 'share', value: 0.25 }])).toThrow(/share must be at least 0.5; got 0.25/);
    expect(create([base, { name: 'public', value: 'yes' }])).toThrow(/public must be true or false/);
    expect(create([base, { name: 'name', value: 42 }])).toThrow(ClientRefusal);
    expect(create([base, { name: 'cores', value: 16 }, { name: 'share', value: 0.5 }])).not.toThrow();
  });

  it('a value that is not one of the choices, and a missing required option', () => {
    const base = { name: 'name', value: 'survival' };
    expect(create([base, { name: 'region', value: 'mars' }])).toThrow(
      /'mars' is not one of the choices of 'region' \(Europe, America\)/,
    );
    expect(create([{ name: 'region', value: 'eu' }])).toThrow(/required option 'name' is missing/);
  });

  it('lets a partial value through while the user is still typing (autocomplete)', () => {
    const typing = fake.invokeAutocomplete({
      guildId: GUILD,
      channelId: CHANNEL,
      userId: ALICE,
      name: 'server',
      options: [{ name: 'status', options: [{ name: 'name', value: 's', focused: true }] }],
    });
    expect(typing.payload.type).toBe(4);
  });

  it('the bot received only the commands the client let through', async () => {
    await fake.waitFor(() => received.length >= 3, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toEqual(['é'.repeat(32), 'abc', 'survival']);
  });

  it('`pnpm discord say` is answered 400 with the sentence, and no interaction is created', async () => {
    const say = async (text: string) => {
      const response = await fetch(`${fake.controlUrl}/say`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
      return { status: response.status, body: (await response.json()) as { error?: { message: string } } };
    };
    const long = await say(`/server create name:${'a'.repeat(200)}`);
    expect(long.status).toBe(400);
    expect(long.body.error?.message).toBe('/server create: name must be 3 to 32 characters long; got 200');
    const cores = await say('/server create name:survival cores:64');
    expect(cores.status).toBe(400);
    expect(cores.body.error?.message).toBe('/server create: cores must be from 1 to 16; got 64');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toHaveLength(3);
  });
});
