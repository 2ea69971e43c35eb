// Games whose licence the admin has not accepted are refused at creation (with real installs); the passwords
// GuildServer generates for a server are shown to its owner and the guild's admins only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servers } from '../../src/db/schema.js';
import { gameSecretsFromKey } from '../../src/pipeline/game/game-secrets.js';
import { ALICE, BOB, client, createBody, GUILD, type Harness, startApi } from '../support/api-harness.js';

const SECRETS_KEY = 's'.repeat(48);

describe('GAME_LICENSES_ACCEPTED with real installs (GAME_RUNNER=ansible)', () => {
  let api: Harness;
  let asAlice: ReturnType<typeof client>;
  beforeAll(async () => {
    api = await startApi({ env: { GAME_RUNNER: 'ansible', GAME_LICENSES_ACCEPTED: 'steam' } });
    asAlice = client(api.url, api.token(['bot']), { user: ALICE });
  });
  afterAll(() => api.close());

  it('refuses a Minecraft server, naming the licence and the setting, and stores nothing', async () => {
    const refused = await asAlice('POST', '/v1/servers', createBody('survival'));
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      error: {
        code: 'game_unavailable',
        message:
          'Minecraft: Java Edition needs the Minecraft End User License Agreement (https://aka.ms/MinecraftEULA) accepted by the admin before servers can be created: add minecraft-eula to GAME_LICENSES_ACCEPTED.',
      },
    });
    expect(api.services.db.select().from(servers).all()).toEqual([]);
  });

  it('accepts games whose licence is listed, and games that need none', async () => {
    expect((await asAlice('POST', '/v1/servers', createBody('vikings', { game: 'valheim' }))).status).toBe(
      202,
    );
    expect((await asAlice('POST', '/v1/servers', createBody('trains', { game: 'openttd' }))).status).toBe(
      202,
    );
  });
});

describe('GAME_LICENSES_ACCEPTED with the simulated runner (the local stack)', () => {
  it('refuses an unaccepted licence just the same: what installs the game does not change what the admin accepted', async () => {
    const api = await startApi({ env: { GAME_LICENSES_ACCEPTED: '' } });
    try {
      const refused = await client(api.url, api.token(['admin']))(
        'POST',
        '/v1/servers',
        createBody('survival'),
      );
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ error: { code: 'game_unavailable' } });
    } finally {
      await api.close();
    }
  });
});

describe('a bad GAME_LICENSES_ACCEPTED', () => {
  it('stops start-up naming the variable and the allowed values', async () => {
    await expect(startApi({ env: { GAME_LICENSES_ACCEPTED: 'minecraft-eula,everything' } })).rejects.toThrow(
      /GAME_LICENSES_ACCEPTED.*minecraft-eula, steam/,
    );
  });
});

describe('GET /v1/servers/:id/credentials', () => {
  let api: Harness;
  let asAlice: ReturnType<typeof client>;
  let asBob: ReturnType<typeof client>;
  let asGuildAdmin: ReturnType<typeof client>;
  let reader: ReturnType<typeof client>;
  let valheim: string;
  let openttd: string;
  beforeAll(async () => {
    api = await startApi({ env: { GAME_SECRETS_KEY: SECRETS_KEY } });
    const bot = api.token(['bot']);
    asAlice = client(api.url, bot, { user: ALICE });
    asBob = client(api.url, bot, { user: BOB });
    asGuildAdmin = client(api.url, bot, { user: BOB, adminOf: GUILD });
    reader = client(api.url, api.token(['read']));
    const created = await asAlice<{ server: { id: string } }>(
      'POST',
      '/v1/servers',
      createBody('vikings', { game: 'valheim' }),
    );
    valheim = created.body.server.id;
    openttd = (
      await asAlice<{ server: { id: string } }>(
        'POST',
        '/v1/servers',
        createBody('trains', { game: 'openttd' }),
      )
    ).body.server.id;
  });
  afterAll(() => api.close());

  it("shows the owner the server's generated join password, the one its playbook gets, never cached", async () => {
    const answer = await asAlice('GET', `/v1/servers/${valheim}/credentials`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toEqual({
      credentials: [
        {
          key: 'password',
          label: 'Join password',
          value: gameSecretsFromKey(SECRETS_KEY).settingPassword(valheim, 'password'),
        },
      ],
    });
    // The same again on a second read: derived, not drawn anew.
    expect((await asAlice('GET', `/v1/servers/${valheim}/credentials`)).body).toEqual(answer.body);
  });

  it("shows them to the guild's admins, and to nobody else", async () => {
    expect((await asGuildAdmin('GET', `/v1/servers/${valheim}/credentials`)).status).toBe(200);
    const bob = await asBob('GET', `/v1/servers/${valheim}/credentials`);
    expect(bob.status).toBe(403);
    expect(bob.body).toMatchObject({ error: { code: 'not_owner' } });
    expect(JSON.stringify(bob.body)).not.toContain(
      gameSecretsFromKey(SECRETS_KEY).settingPassword(valheim, 'password'),
    );
    const read = await reader('GET', `/v1/servers/${valheim}/credentials`);
    expect(read.status).toBe(403);
    expect(read.body).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('is an empty list for a game without generated passwords', async () => {
    expect((await asAlice('GET', `/v1/servers/${openttd}/credentials`)).body).toEqual({ credentials: [] });
  });
});
