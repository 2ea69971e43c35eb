// A fake Discord with one guild, and a real discord.js client (intents: Guilds) logged in against it.
import { Client, Events, GatewayIntentBits } from 'discord.js';
import {
  type FakeDiscord,
  type FakeDiscordOptions,
  fakeBotToken,
  startFakeDiscord,
} from '../../src/index.js';

export const GUILD = '1100000000000000001';
export const CHANNEL = '1100000000000000002';
export const OTHER_CHANNEL = '1100000000000000003';
export const ALICE = '1100000000000000010';
export const BOB = '1100000000000000011';
export const ADMIN_ROLE = '1100000000000000020';
export const APP = '1100000000000000099';

export function fakeOptions(overrides: Partial<FakeDiscordOptions> = {}): FakeDiscordOptions {
  return {
    botToken: fakeBotToken(APP),
    applicationId: APP,
    guilds: [
      {
        id: GUILD,
        name: 'Guild of Tests',
        channels: [
          { id: CHANNEL, name: 'general' },
          { id: OTHER_CHANNEL, name: 'servers' },
        ],
        roles: [{ id: ADMIN_ROLE, name: 'Server admins' }],
        members: [
          { id: ALICE, username: 'alice' },
          { id: BOB, username: 'bob', permissions: 'ManageGuild', roles: [ADMIN_ROLE] },
        ],
      },
    ],
    ...overrides,
  };
}

export async function startFake(
  overrides: Partial<FakeDiscordOptions> = {},
): Promise<{ fake: FakeDiscord; token: string }> {
  const options = fakeOptions(overrides);
  return { fake: await startFakeDiscord(options), token: options.botToken };
}

/** A discord.js client pointed at the fake, resolved once it is ready (READY + every GUILD_CREATE). */
export async function loginClient(fake: FakeDiscord, token: string): Promise<Client<true>> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.restUrl } });
  const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, (c) => resolve(c)));
  await client.login(token);
  return ready;
}
