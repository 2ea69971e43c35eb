import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servers } from '../../src/db/schema.js';
import { ALICE, BOB, client, createBody, GUILD, type Harness, startApi } from '../support/api-harness.js';

let api: Harness;
let asAlice: ReturnType<typeof client>;
let asBob: ReturnType<typeof client>;
let admin: ReturnType<typeof client>;

const rowCount = () => api.services.db.select().from(servers).all().length;

beforeAll(async () => {
  api = await startApi({ env: { QUOTA_USER_SERVERS: '2' } });
  const bot = api.token(['bot'], 'discord-bot');
  asAlice = client(api.url, bot, { user: ALICE });
  asBob = client(api.url, bot, { user: BOB });
  admin = client(api.url, api.token(['admin'], 'ops'));
});
afterAll(() => api.close());

describe('auth', () => {
  it('answers health without a token and refuses /v1 without one, naming what to send', async () => {
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    const res = await fetch(`${api.url}/v1/servers`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { code: 'unauthorized', message: expect.stringContaining('Authorization: Bearer') },
    });
    const unknown = await client(api.url, 'gs_not-a-real-token')('GET', '/v1/servers');
    expect(unknown.status).toBe(401);
  });

  it('lets a read token read but not write', async () => {
    const reader = client(api.url, api.token(['read']));
    expect((await reader('GET', '/v1/games')).status).toBe(200);
    const write = await reader('POST', '/v1/servers', createBody('readonly'));
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('publishes the OpenAPI document generated from the contracts', async () => {
    const doc = (await (await fetch(`${api.url}/v1/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/servers',
        '/servers/{id}',
        '/servers/{id}/{action}',
        '/servers/{id}/retry',
        '/jobs/{id}',
        '/games',
      ]),
    );
  });
});

describe('create: each bad input gets its code and status, and nothing stored changes', () => {
  it.each([
    [
      'an unknown game, listing the games',
      { game: 'tetris' },
      400,
      'game_unknown',
      /^There is no game `tetris`; the games GuildServer can host are minecraft-java, .*openarena\.$/,
    ],
    [
      'an unknown game, suggesting the closest ids',
      { game: 'minecraft' },
      400,
      'game_unknown',
      /^There is no game `minecraft`; did you mean `minecraft-java` or `minecraft-bedrock`\?$/,
    ],
    [
      'a misspelt game, suggesting the id',
      { game: 'valhiem' },
      400,
      'game_unknown',
      /^There is no game `valhiem`; did you mean `valheim`\?$/,
    ],
    ['a bad name', { name: 'Bad Name!' }, 400, 'name_invalid', /3 to 32 lowercase/],
    [
      'a 200-character name, with the real rule (not a schema limit)',
      { name: 'a'.repeat(200) },
      400,
      'name_invalid',
      /^'a{39}…' is not a valid name: use 3 to 32 lowercase letters, digits or inner hyphens\.$/,
    ],
    [
      'a size below the game minimum, with the unit and the game minimum',
      { size: { cores: 2, memory: 512 } },
      400,
      'invalid_request',
      /^The size will not do: memory must be a whole number from 2048 MiB \(Minecraft: Java Edition's minimum\) to 4194304 MiB; got 512\.$/,
    ],
    [
      'too few cores, naming the game minimum',
      { size: { cores: 0 } },
      400,
      'invalid_request',
      /cores must be a whole number from 1 \(Minecraft: Java Edition's minimum\) to 128; got 0\.$/,
    ],
    [
      'a fractional disk size',
      { size: { disk: 20.5 } },
      400,
      'invalid_request',
      /disk must be a whole number from \d+ GiB .* got 20\.5\.$/,
    ],
    [
      'a size field that does not exist',
      { size: { ram: 4096 } },
      400,
      'invalid_request',
      /^size has no field ram\.$/,
    ],
    [
      'a size given as text',
      { size: { memory: '4096' } },
      400,
      'invalid_request',
      /^size\.memory must be a number\.$/,
    ],
    ['a missing channel', { channelId: undefined }, 400, 'invalid_request', /^channelId is required\.$/],
    ['a malformed guild id', { guildId: 'guild-1' }, 400, 'invalid_request', /guildId/],
    ['another user as owner', { ownerId: '555555555555555555' }, 403, 'not_owner', /acts for/],
  ])('refuses %s', async (_what, change, status, code, message) => {
    const before = rowCount();
    const answer = await asAlice('POST', '/v1/servers', createBody('survival', change));
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error: { code, message: expect.stringMatching(message) } });
    expect(rowCount()).toBe(before);
  });

  it('refuses a name already taken in the guild, and a user over quota', async () => {
    const first = await asAlice('POST', '/v1/servers', createBody('survival'));
    expect(first.status).toBe(202);
    const before = rowCount();
    const taken = await asAlice('POST', '/v1/servers', createBody('survival'));
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ error: { code: 'name_taken' } });
    expect((await asAlice('POST', '/v1/servers', createBody('creative'))).status).toBe(202);
    const over = await asAlice('POST', '/v1/servers', createBody('hardcore'));
    expect(over.status).toBe(403);
    expect(over.body).toMatchObject({
      error: { code: 'quota_exceeded', message: expect.stringMatching(/2 of its 2 servers/) },
    });
    expect(rowCount()).toBe(before + 1);
  });
});

describe('acting on servers', () => {
  it("404s an unknown server, refuses another user's server, allows a guild admin", async () => {
    const created = await asBob('POST', '/v1/servers', createBody('bobs-world', { ownerId: BOB }));
    expect(created.status).toBe(202);
    const id = (created.body as { server: { id: string } }).server.id;
    expect((await asAlice('GET', '/v1/servers/srv_000000000000')).body).toMatchObject({
      error: { code: 'not_found' },
    });
    const stolen = await asAlice('DELETE', `/v1/servers/${id}`);
    expect(stolen.status).toBe(403);
    expect(stolen.body).toMatchObject({ error: { code: 'not_owner' } });
    // While it is still being created it cannot be started.
    const early = await client(api.url, api.token(['bot']), { user: ALICE, adminOf: GUILD })(
      'POST',
      `/v1/servers/${id}/start`,
    );
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({
      error: { code: 'invalid_state', message: expect.stringMatching(/is creating/) },
    });
    const unknownAction = await admin('POST', `/v1/servers/${id}/explode`);
    expect(unknownAction.status).toBe(400);
  });
});

describe('idempotency', () => {
  it('answers a retried create from the first answer and never makes two servers', async () => {
    const key = { 'idempotency-key': 'create-idem-1' };
    const body = createBody('idem', { ownerId: BOB });
    const [a, b] = await Promise.all([
      asBob('POST', '/v1/servers', body, key),
      asBob('POST', '/v1/servers', body, key),
    ]);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body).toEqual(b.body);
    const named = api.services.db
      .select()
      .from(servers)
      .all()
      .filter((s) => s.name === 'idem');
    expect(named).toHaveLength(1);
    const reused = await asBob('POST', '/v1/servers', createBody('other', { ownerId: BOB }), key);
    expect(reused.status).toBe(400);
    expect(reused.body).toMatchObject({
      error: { code: 'invalid_request', message: expect.stringMatching(/different request/) },
    });
  });
});

describe('listing', () => {
  it('pages with a cursor, oldest first, and filters by owner', async () => {
    // Ids are random: created in this order, most of them sort differently by id.
    for (const [n, name] of ['zz-last-id', 'aa-first-id', 'mm-middle-id'].entries()) {
      const owner = `60000000000000000${n}`;
      expect((await admin('POST', '/v1/servers', createBody(name, { ownerId: owner }))).status).toBe(202);
    }
    type Page = { servers: { id: string; name: string; createdAt: string }[]; nextCursor: string | null };
    const page1 = await admin<Page>('GET', '/v1/servers?limit=2');
    expect(page1.body.servers).toHaveLength(2);
    expect(page1.body.nextCursor).toBe(page1.body.servers[1]!.id);
    const all = [...page1.body.servers];
    for (let cursor = page1.body.nextCursor; cursor; ) {
      const page = await admin<Page>('GET', `/v1/servers?limit=2&cursor=${cursor}`);
      all.push(...page.body.servers);
      cursor = page.body.nextCursor;
    }
    expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
    const created = all.map((s) => s.createdAt);
    expect(created).toEqual([...created].sort());
    expect(all.slice(-3).map((s) => s.name)).toEqual(['zz-last-id', 'aa-first-id', 'mm-middle-id']);
    const bobs = await admin<{ servers: { ownerId: string }[] }>('GET', `/v1/servers?ownerId=${BOB}`);
    expect(bobs.body.servers.length).toBeGreaterThan(0);
    expect(bobs.body.servers.every((s) => s.ownerId === BOB)).toBe(true);
  });
});

describe('listing stays exact while answers are cached', () => {
  it('shows a change another process committed to the database at once', async () => {
    const first = await admin<{ servers: { id: string; state: string }[] }>('GET', '/v1/servers?limit=1');
    const id = first.body.servers[0]!.id;
    // A worker in another process writes through its own connection to the same SQLite file.
    const other = new Sqlite(api.config.databasePath);
    other.prepare("UPDATE servers SET state = 'stopped' WHERE id = ?").run(id);
    other.close();
    const again = await admin<{ servers: { id: string; state: string }[] }>('GET', '/v1/servers?limit=1');
    expect(again.body.servers[0]).toMatchObject({ id, state: 'stopped' });
  });
});

describe('limits of the infrastructure', () => {
  it('says ports are exhausted when the range has no block left', async () => {
    const small = await startApi({ env: { GAME_PORT_RANGE: '20000-20002' } });
    try {
      const ops = client(small.url, small.token(['admin']));
      // Valheim needs two consecutive UDP ports.
      const first = await ops('POST', '/v1/servers', createBody('valheim-one', { game: 'valheim' }));
      expect(first.status, JSON.stringify(first.body)).toBe(202);
      const none = await ops('POST', '/v1/servers', createBody('valheim-two', { game: 'valheim' }));
      expect(none.status).toBe(503);
      expect(none.body).toMatchObject({
        error: { code: 'ports_exhausted', message: expect.stringMatching(/20000-20002/) },
      });
    } finally {
      await small.close();
    }
  });

  it('says Proxmox is unreachable, and stores nothing', async () => {
    const lonely = await startApi();
    try {
      const ops = client(lonely.url, lonely.token(['admin']));
      await lonely.sim.close();
      const answer = await ops('POST', '/v1/servers', createBody('offline'));
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ error: { code: 'proxmox_unreachable' } });
      expect(lonely.services.db.select().from(servers).all()).toHaveLength(0);
    } finally {
      await lonely.close().catch(() => {});
    }
  });

  it('rate-limits a token with 429 and Retry-After', async () => {
    const tight = await startApi({ env: { API_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const ops = client(tight.url, tight.token(['admin']));
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(await ops('GET', '/v1/games'));
      expect(statuses.map((s) => s.status)).toEqual([200, 200, 200, 429]);
      expect(Number(statuses[3]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(statuses[3]!.body).toMatchObject({ error: { code: 'rate_limited' } });
    } finally {
      await tight.close();
    }
  });
});
