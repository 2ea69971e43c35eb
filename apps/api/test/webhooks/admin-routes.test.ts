// The admin routes: webhooks (register, list, delete, deliveries), API tokens and quotas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, client, GUILD, type Harness, startApi } from '../support/api-harness.js';

let h: Harness;
let admin: ReturnType<typeof client>;
let bot: ReturnType<typeof client>;
let reader: ReturnType<typeof client>;

beforeAll(async () => {
  h = await startApi();
  admin = client(h.url, h.token(['admin'], 'admin'));
  bot = client(h.url, h.token(['bot'], 'bot'), { user: ALICE, adminOf: GUILD });
  reader = client(h.url, h.token(['read'], 'reader'));
});
afterAll(async () => {
  await h?.close();
});

describe('webhook routes', () => {
  it('registers with a given secret, lists without it, deletes', async () => {
    const created = await admin<Record<string, unknown>>('POST', '/v1/webhooks', {
      url: 'https://hooks.example.net/guildserver',
      secret: 'sixteen-chars-min!',
      eventTypes: ['server.created', 'job.failed'],
      guildId: GUILD,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^whk_/),
      url: 'https://hooks.example.net/guildserver',
      secret: 'sixteen-chars-min!',
      eventTypes: ['server.created', 'job.failed'],
      guildId: GUILD,
    });
    const list = await admin<{ webhooks: Record<string, unknown>[] }>('GET', '/v1/webhooks');
    const listed = list.body.webhooks.find((w) => w.id === created.body.id);
    expect(listed).toBeDefined();
    expect(listed).not.toHaveProperty('secret');
    expect(JSON.stringify(list.body)).not.toContain('sixteen-chars-min!');

    const deliveries = await admin('GET', `/v1/webhooks/${created.body.id}/deliveries`);
    expect(deliveries).toMatchObject({ status: 200, body: { deliveries: [] } });

    expect((await admin('DELETE', `/v1/webhooks/${created.body.id}`)).status).toBe(200);
    expect((await admin('DELETE', `/v1/webhooks/${created.body.id}`)).status).toBe(404);
    expect((await admin('GET', `/v1/webhooks/${created.body.id}/deliveries`)).status).toBe(404);
  });

  it('generates a secret when none is given, shown once; refuses a short one and a non-http URL', async () => {
    const created = await admin<{ secret: string; eventTypes: unknown }>('POST', '/v1/webhooks', {
      url: 'http://127.0.0.1:9/x',
    });
    expect(created.status).toBe(201);
    expect(created.body.secret.length).toBeGreaterThanOrEqual(32);
    expect(created.body.eventTypes).toBe('*');
    const short = await admin('POST', '/v1/webhooks', { url: 'https://a.example/x', secret: 'too-short' });
    expect(short).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const ftp = await admin('POST', '/v1/webhooks', { url: 'ftp://a.example/x' });
    expect(ftp).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const badType = await admin('POST', '/v1/webhooks', { url: 'https://a.example/x', eventTypes: ['nope'] });
    expect(badType.status).toBe(400);
  });

  it('answers forbidden to bot and read tokens', async () => {
    for (const caller of [bot, reader]) {
      expect(await caller('POST', '/v1/webhooks', { url: 'https://a.example/x' })).toMatchObject({
        status: 403,
        body: { error: { code: 'forbidden' } },
      });
      expect((await caller('GET', '/v1/webhooks')).status).toBe(403);
    }
  });
});

describe('token routes', () => {
  it('creates a token shown once that then works, lists without secrets, revokes it', async () => {
    const created = await admin<{ id: string; token: string; scopes: string[] }>('POST', '/v1/tokens', {
      name: 'ci',
      scopes: ['read'],
    });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^gs_/);
    expect(created.body.scopes).toEqual(['read']);
    const fresh = client(h.url, created.body.token);
    expect((await fresh('GET', '/v1/events')).status).toBe(200);
    expect((await fresh('GET', '/v1/tokens')).status).toBe(403);

    const list = await admin<{ tokens: { id: string }[] }>('GET', '/v1/tokens');
    expect(list.body.tokens.some((t) => t.id === created.body.id)).toBe(true);
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);

    const revoked = await admin<{ revokedAt: string | null }>('DELETE', `/v1/tokens/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await fresh('GET', '/v1/events')).status).toBe(401);
    expect((await admin('DELETE', '/v1/tokens/tok_nosuchtoken00')).status).toBe(404);
  });

  it('never stores a new token for Idempotency-Key replays', async () => {
    const res = await admin<{ token: string }>(
      'POST',
      '/v1/tokens',
      { name: 'x', scopes: ['bot'] },
      { 'idempotency-key': 'k1' },
    );
    expect(res.status).toBe(201);
    const stored = h.services.db.$client.prepare('SELECT body FROM idempotency_keys').all() as {
      body: string;
    }[];
    expect(stored.some((row) => row.body.includes(res.body.token))).toBe(false);
  });

  it('refuses unknown scopes and non-admin callers', async () => {
    expect((await admin('POST', '/v1/tokens', { name: 'x', scopes: ['root'] })).status).toBe(400);
    expect((await bot('POST', '/v1/tokens', { name: 'x', scopes: ['admin'] })).status).toBe(403);
    expect((await reader('DELETE', '/v1/tokens/tok_whatever0000')).status).toBe(403);
  });
});

describe('quota routes', () => {
  it('reads the defaults, sets an override, and the override is enforced on create', async () => {
    const before = await admin<Record<string, unknown>>('GET', `/v1/quotas/user/${ALICE}`);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      scope: 'user',
      id: ALICE,
      override: { maxServers: null, maxCores: null, maxMemoryMiB: null },
      effective: { maxServers: h.config.quotas.user.servers },
      usage: { servers: 0 },
    });
    const set = await admin('PUT', `/v1/quotas/user/${ALICE}`, { maxServers: 0 });
    expect(set).toMatchObject({
      status: 200,
      body: { override: { maxServers: 0 }, effective: { maxServers: 0 } },
    });
    const create = await bot('POST', '/v1/servers', {
      game: 'minecraft-java',
      name: 'blocked',
      guildId: GUILD,
      ownerId: ALICE,
      channelId: '444444444444444444',
    });
    expect(create).toMatchObject({ status: 403, body: { error: { code: 'quota_exceeded' } } });
    const reset = await admin('PUT', `/v1/quotas/user/${ALICE}`, { maxServers: null });
    expect(reset).toMatchObject({
      body: { override: { maxServers: null }, effective: { maxServers: h.config.quotas.user.servers } },
    });
  });

  it('validates scope, id and limits; admin only', async () => {
    expect((await admin('GET', `/v1/quotas/planet/${ALICE}`)).status).toBe(400);
    expect((await admin('GET', '/v1/quotas/guild/abc')).status).toBe(400);
    expect((await admin('PUT', `/v1/quotas/guild/${GUILD}`, { maxCores: -1 })).status).toBe(400);
    expect((await admin('PUT', `/v1/quotas/guild/${GUILD}`, { maxCpus: 4 })).status).toBe(400);
    expect((await bot('GET', `/v1/quotas/guild/${GUILD}`)).status).toBe(403);
    expect((await reader('PUT', `/v1/quotas/guild/${GUILD}`, { maxCores: 4 })).status).toBe(403);
  });
});

describe('audit', () => {
  it('records admin changes with the token that made them', () => {
    const rows = h.services.db.$client
      .prepare('SELECT action, token_id AS tokenId, detail FROM audit_log')
      .all() as {
      action: string;
      tokenId: string;
      detail: string;
    }[];
    const actions = new Set(rows.map((r) => r.action));
    for (const action of ['webhook.create', 'webhook.delete', 'token.create', 'token.revoke', 'quota.set']) {
      expect(actions).toContain(action);
    }
    expect(rows.every((r) => r.tokenId.startsWith('tok_'))).toBe(true);
    expect(rows.some((r) => r.detail.includes('gs_'))).toBe(false);
  });
});
