// Discord's rules, each provoked directly over HTTP: deadlines, double answers, token life, limits, permissions,
// closed DMs, chosen 429s, and bodies the OpenAPI schema refuses (recorded as violations).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { InteractionHandle } from '../src/index.js';
import { api } from './support/http.js';
import { ALICE, APP, CHANNEL, GUILD, startFake } from './support/setup.js';

const { fake, token } = await startFake();
afterEach(() => fake.clearValidationErrors());
afterAll(() => fake.close());

const command = (): InteractionHandle =>
  fake.invokeCommand({
    guildId: GUILD,
    channelId: CHANNEL,
    userId: ALICE,
    name: 'server',
    options: [{ name: 'list' }],
  });
const callback = (h: InteractionHandle, body: unknown, query = '') =>
  api(fake, 'POST', `/interactions/${h.id}/${h.token}/callback${query}`, { body });
const original = (h: InteractionHandle, method: string, body?: unknown) =>
  api(fake, method, `/webhooks/${APP}/${h.token}/messages/%40original`, { body });

describe('interaction deadlines', () => {
  it('answers 10062 Unknown interaction after 3 s, and tells the handle', async () => {
    const h = command();
    fake.clock.advance(3_001);
    const late = await callback(h, { type: 5 });
    expect(late.status).toBe(404);
    expect(late.body).toEqual({ message: 'Unknown interaction', code: 10062 });
    expect(h.answeredLate).toBe(true);
    await expect(h.response()).rejects.toThrow(/after Discord's 3 s deadline/);
  });

  it('answers 10062 for an unknown interaction or a wrong token', async () => {
    const h = command();
    expect(
      (await api(fake, 'POST', `/interactions/${h.id}/wrong/callback`, { body: { type: 5 } })).body,
    ).toMatchObject({
      code: 10062,
    });
  });

  it('answers 40060 when the interaction is answered twice', async () => {
    const h = command();
    expect((await callback(h, { type: 4, data: { content: 'hi' } })).status).toBe(204);
    const again = await callback(h, { type: 5 });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ message: 'Interaction has already been acknowledged.', code: 40060 });
  });

  it('keeps the token for 15 minutes, then answers 401 50027 Invalid Webhook Token', async () => {
    const h = command();
    await callback(h, { type: 5 });
    fake.clock.advance(14 * 60_000);
    expect((await original(h, 'PATCH', { content: 'still here' })).status).toBe(200);
    fake.clock.advance(60_001);
    const dead = await original(h, 'PATCH', { content: 'too late' });
    expect(dead.status).toBe(401);
    expect(dead.body).toEqual({ message: 'Invalid Webhook Token', code: 50027 });
    expect(
      (await api(fake, 'POST', `/webhooks/${APP}/${h.token}`, { body: { content: 'x' } })).body,
    ).toMatchObject({
      code: 50027,
    });
  });

  it('answers 10015 Unknown Webhook for @original before the interaction is acknowledged', async () => {
    const h = command();
    expect((await original(h, 'PATCH', { content: 'early' })).body).toMatchObject({ code: 10015 });
  });

  it('fixes ephemerality at defer time', async () => {
    const h = command();
    await callback(h, { type: 5, data: { flags: 64 } });
    expect(h.original()).toMatchObject({ flags: 64 | 128 });
    await original(h, 'PATCH', { content: 'done', flags: 0 });
    expect(h.original()).toMatchObject({ content: 'done', flags: 64 });
    const pub = command();
    await callback(pub, { type: 5 });
    await original(pub, 'PATCH', { content: 'done', flags: 64 });
    expect(pub.original()?.flags).toBe(0);
  });

  it('returns the callback resource with ?with_response=true', async () => {
    const h = command();
    const res = await callback(h, { type: 4, data: { content: 'hello' } }, '?with_response=true');
    expect(res.body).toMatchObject({
      interaction: { id: h.id, type: 2, response_message_ephemeral: false },
      resource: { type: 4, message: { content: 'hello' } },
    });
  });
});

describe('limits, answered 400 50035 with Discord errors and recorded', () => {
  const refused = async (h: InteractionHandle, body: unknown) => {
    const res = await callback(h, body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 50035, message: 'Invalid Form Body' });
    expect(fake.validationErrors.length).toBeGreaterThan(0);
    return res.body!.errors;
  };

  it('content over 2000 characters', async () => {
    expect(await refused(command(), { type: 4, data: { content: 'x'.repeat(2001) } })).toEqual({
      data: {
        content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
      },
    });
    expect(fake.validationErrors[0]).toMatchObject({
      source: 'rule+schema',
      template: expect.stringContaining('callback'),
    });
  });

  it('embeds: count, title, description, fields, total size', async () => {
    expect(
      await refused(command(), {
        type: 4,
        data: { embeds: Array.from({ length: 11 }, () => ({ title: 't' })) },
      }),
    ).toMatchObject({
      data: { embeds: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } },
    });
    expect(
      await refused(command(), { type: 4, data: { embeds: [{ title: 't'.repeat(257) }] } }),
    ).toMatchObject({
      data: { embeds: { 0: { title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } },
    });
    expect(
      await refused(command(), { type: 4, data: { embeds: [{ description: 'd'.repeat(4097) }] } }),
    ).toMatchObject({
      data: { embeds: { 0: { description: expect.anything() } } },
    });
    const fields = Array.from({ length: 26 }, (_, i) => ({ name: `f${i}`, value: 'v' }));
    expect(await refused(command(), { type: 4, data: { embeds: [{ fields }] } })).toMatchObject({
      data: { embeds: { 0: { fields: expect.anything() } } },
    });
    const long = [{ fields: [{ name: 'n'.repeat(257), value: 'v'.repeat(1025) }] }];
    expect(await refused(command(), { type: 4, data: { embeds: long } })).toMatchObject({
      data: { embeds: { 0: { fields: { 0: { name: expect.anything(), value: expect.anything() } } } } },
    });
    const big = Array.from({ length: 2 }, () => ({ description: 'd'.repeat(3500) }));
    expect(await refused(command(), { type: 4, data: { embeds: big } })).toEqual({
      data: {
        embeds: {
          _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' }],
        },
      },
    });
  });

  it('components: rows, buttons per row, custom_id, label, duplicates', async () => {
    const button = (id: string, label = 'Go') => ({ type: 2, style: 1, custom_id: id, label });
    const row = (...c: unknown[]) => ({ type: 1, components: c });
    const rows6 = Array.from({ length: 6 }, (_, i) => row(button(`b${i}`)));
    expect(await refused(command(), { type: 4, data: { content: 'x', components: rows6 } })).toMatchObject({
      data: { components: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } },
    });
    const six = row(...Array.from({ length: 6 }, (_, i) => button(`b${i}`)));
    expect(await refused(command(), { type: 4, data: { content: 'x', components: [six] } })).toMatchObject({
      data: { components: { 0: { components: expect.anything() } } },
    });
    expect(
      await refused(command(), {
        type: 4,
        data: { content: 'x', components: [row(button('i'.repeat(101)))] },
      }),
    ).toMatchObject({
      data: { components: { 0: { components: { 0: { custom_id: expect.anything() } } } } },
    });
    expect(
      await refused(command(), {
        type: 4,
        data: { content: 'x', components: [row(button('a', 'l'.repeat(81)))] },
      }),
    ).toMatchObject({
      data: { components: { 0: { components: { 0: { label: expect.anything() } } } } },
    });
    expect(
      await refused(command(), {
        type: 4,
        data: { content: 'x', components: [row(button('a'), button('a'))] },
      }),
    ).toMatchObject({
      data: {
        components: {
          0: { components: { 1: { custom_id: { _errors: [{ code: 'COMPONENT_CUSTOM_ID_DUPLICATED' }] } } } },
        },
      },
    });
  });

  it('autocomplete choices: at most 25, name and value at most 100', async () => {
    const auto = () =>
      fake.invokeAutocomplete({
        guildId: GUILD,
        userId: ALICE,
        name: 'server',
        options: [{ name: 'create', options: [{ name: 'game', value: 'm', focused: true }] }],
      });
    const many = Array.from({ length: 26 }, (_, i) => ({ name: `g${i}`, value: `g${i}` }));
    const h1 = auto();
    const r1 = await api(fake, 'POST', `/interactions/${h1.id}/${h1.token}/callback`, {
      body: { type: 8, data: { choices: many } },
    });
    expect(r1.body).toMatchObject({
      code: 50035,
      errors: { data: { choices: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } },
    });
    const h2 = auto();
    const long = [{ name: 'n'.repeat(101), value: 'v'.repeat(101) }];
    const r2 = await api(fake, 'POST', `/interactions/${h2.id}/${h2.token}/callback`, {
      body: { type: 8, data: { choices: long } },
    });
    expect(r2.body).toMatchObject({
      errors: { data: { choices: { 0: { name: expect.anything(), value: expect.anything() } } } },
    });
    // Autocomplete cannot be deferred.
    const h3 = auto();
    const r3 = await api(fake, 'POST', `/interactions/${h3.id}/${h3.token}/callback`, { body: { type: 5 } });
    expect(r3.body).toMatchObject({
      errors: { type: { _errors: [{ code: 'INTERACTION_RESPONSE_TYPE_INVALID' }] } },
    });
  });

  it('command registration: names, descriptions, option and choice counts', async () => {
    const put = (body: unknown) =>
      api(fake, 'PUT', `/applications/${APP}/guilds/${GUILD}/commands`, { body, token });
    const bad = await put([
      { name: 'Server', description: 'x' },
      { name: 'ok', description: '' },
      {
        name: 'opts',
        description: 'x',
        options: Array.from({ length: 26 }, (_, i) => ({ type: 3, name: `o${i}`, description: 'd' })),
      },
      {
        name: 'choices',
        description: 'x',
        options: [
          {
            type: 3,
            name: 'c',
            description: 'd',
            choices: Array.from({ length: 26 }, (_, i) => ({ name: `${i}`, value: `${i}` })),
          },
        ],
      },
      { name: 'has space', description: 'd'.repeat(101) },
    ]);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      code: 50035,
      errors: {
        0: { name: { _errors: [{ code: 'APPLICATION_COMMAND_INVALID_NAME' }] } },
        1: { description: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH' }] } },
        2: { options: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } },
        3: { options: { 0: { choices: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } },
        4: { name: expect.anything(), description: expect.anything() },
      },
    });
    const good = await put([{ name: "serveur-é_'1", description: 'ok', default_member_permissions: '32' }]);
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject([
      { name: "serveur-é_'1", default_member_permissions: '32', id: expect.any(String) },
    ]);
    await put([]);
  });

  it('a body the OpenAPI schema refuses (no rule of ours covers it) is answered 50035 and recorded', async () => {
    const res = await api(fake, 'POST', `/channels/${CHANNEL}/messages`, {
      token,
      body: { content: 'hi', embeds: [{ title: 'x', color: 'red' }] },
    });
    expect(res.body).toMatchObject({ code: 50035, errors: { embeds: { 0: { color: expect.anything() } } } });
    expect(fake.validationErrors).toMatchObject([
      { source: 'schema', operationId: 'create_message', path: `/channels/${CHANNEL}/messages` },
    ]);
  });
});

describe('auth, permissions, DMs, rate limits', () => {
  it('needs `Bot <token>` on bot routes (401), not on interaction routes', async () => {
    expect(await api(fake, 'GET', '/users/@me')).toMatchObject({
      status: 401,
      body: { message: '401: Unauthorized', code: 0 },
    });
    expect((await api(fake, 'GET', '/users/@me', { token: 'wrong' })).status).toBe(401);
    expect((await api(fake, 'GET', '/users/@me', { token })).body).toMatchObject({ id: APP, bot: true });
    expect((await api(fake, 'GET', '/nope', { token })).body).toEqual({ message: '404: Not Found', code: 0 });
  });

  it('answers 403 50013 in a channel made unwritable', async () => {
    fake.makeChannelUnwritable(CHANNEL);
    const res = await api(fake, 'POST', `/channels/${CHANNEL}/messages`, { token, body: { content: 'hi' } });
    expect(res).toMatchObject({ status: 403, body: { message: 'Missing Permissions', code: 50013 } });
    fake.makeChannelWritable(CHANNEL);
    expect(
      (await api(fake, 'POST', `/channels/${CHANNEL}/messages`, { token, body: { content: 'hi' } })).status,
    ).toBe(200);
  });

  it('answers 403 50007 to a DM to a user with DMs closed', async () => {
    const dm = await api(fake, 'POST', '/users/@me/channels', { token, body: { recipient_id: ALICE } });
    expect(dm.body).toMatchObject({ type: 1, recipients: [{ id: ALICE }] });
    fake.closeDms(ALICE);
    const res = await api(fake, 'POST', `/channels/${dm.body!.id}/messages`, {
      token,
      body: { content: 'hi' },
    });
    expect(res).toMatchObject({
      status: 403,
      body: { message: 'Cannot send messages to this user', code: 50007 },
    });
    fake.openDms(ALICE);
  });

  it('answers 429 with retry_after and rate-limit headers on a chosen route, then lets it through', async () => {
    fake.rateLimit({ method: 'POST', path: '/channels/{channel_id}/messages', times: 1, retryAfter: 1.5 });
    const limited = await api(fake, 'POST', `/channels/${CHANNEL}/messages`, {
      token,
      body: { content: 'hi' },
    });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      message: 'You are being rate limited.',
      code: 0,
      retry_after: 1.5,
      global: false,
    });
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset-after')).toBe('1.500');
    expect(
      (await api(fake, 'POST', `/channels/${CHANNEL}/messages`, { token, body: { content: 'hi' } })).status,
    ).toBe(200);
  });

  it('refuses an empty message with 50006', async () => {
    expect(
      (await api(fake, 'POST', `/channels/${CHANNEL}/messages`, { token, body: {} })).body,
    ).toMatchObject({ code: 50006 });
  });
});
