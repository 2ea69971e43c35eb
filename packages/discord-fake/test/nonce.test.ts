// Create Message's nonce as Discord documents it (with enforce_nonce: the earlier message comes back instead of a
// second one, for a few minutes), and held answers: the message exists, the client hears nothing until release.
import type { TextChannel } from 'discord.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NONCE_WINDOW_MS } from '../src/index.js';
import { api } from './support/http.js';
import { CHANNEL, loginClient, OTHER_CHANNEL, startFake } from './support/setup.js';

const { fake, token } = await startFake();
afterEach(() => fake.clearValidationErrors());
afterAll(() => fake.close());

const post = (body: Record<string, unknown>, channel = CHANNEL) =>
  api(fake, 'POST', `/channels/${channel}/messages`, { token, body });
const contents = (channel = CHANNEL) => fake.channelMessages(channel).map((m) => m.content);

describe('nonce and enforce_nonce', () => {
  it('with enforce_nonce the same nonce returns the earlier message instead of creating another', async () => {
    const first = await post({ content: 'server is running', nonce: 'gs-event-41', enforce_nonce: true });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ content: 'server is running', nonce: 'gs-event-41' });
    const again = await post({ content: 'server is running', nonce: 'gs-event-41', enforce_nonce: true });
    expect(again.status).toBe(200);
    expect(again.body?.id).toBe(first.body?.id);
    expect(contents().filter((c) => c === 'server is running')).toHaveLength(1);
    // The author's nonce, whatever the channel.
    const elsewhere = await post(
      { content: 'server is running', nonce: 'gs-event-41', enforce_nonce: true },
      OTHER_CHANNEL,
    );
    expect(elsewhere.body?.id).toBe(first.body?.id);
    expect(contents(OTHER_CHANNEL)).toEqual([]);
  });

  it('integer nonces too; without enforce_nonce, or after the window, a new message is created', async () => {
    const a = await post({ content: 'int', nonce: 77, enforce_nonce: true });
    expect((await post({ content: 'int', nonce: 77, enforce_nonce: true })).body?.id).toBe(a.body?.id);
    const loose = await post({ content: 'int', nonce: 77 });
    expect(loose.body?.id).not.toBe(a.body?.id);
    fake.clock.advance(NONCE_WINDOW_MS + 1);
    const later = await post({ content: 'late', nonce: 'gs-event-41', enforce_nonce: true });
    expect(later.body).toMatchObject({ content: 'late', nonce: 'gs-event-41' });
    expect(contents()).toContain('late');
  });

  it('a nonce over 25 characters is refused (50035), as the spec says', async () => {
    const long = await post({ content: 'x', nonce: 'n'.repeat(26), enforce_nonce: true });
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ code: 50035, errors: { nonce: expect.anything() } });
  });

  it('discord.js sends nonce and enforceNonce; the second send returns the first message', async () => {
    const client = await loginClient(fake, token);
    try {
      const channel = (await client.channels.fetch(CHANNEL)) as TextChannel;
      const one = await channel.send({ content: 'once', nonce: 'djs-1', enforceNonce: true });
      const two = await channel.send({ content: 'once', nonce: 'djs-1', enforceNonce: true });
      expect(two.id).toBe(one.id);
      expect(contents().filter((c) => c === 'once')).toHaveLength(1);
    } finally {
      await client.destroy();
    }
  });
});

describe('holdResponses', () => {
  it('the message exists at once; the answer comes only on release', async () => {
    const hold = fake.holdResponses({ method: 'POST', path: '/channels/{channel_id}/messages' });
    let answered = false;
    const pending = post({ content: 'held one' }).then((answer) => {
      answered = true;
      return answer;
    });
    await fake.waitFor(() => hold.held === 1, 5_000);
    expect(contents()).toContain('held one');
    expect(fake.requests.at(-1)).toMatchObject({ method: 'POST', status: 200, held: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false);
    hold.release();
    expect((await pending).body).toMatchObject({ content: 'held one' });
    // Only `times` requests are held (default 1).
    expect((await post({ content: 'free' })).status).toBe(200);
  });

  it('a client that went away while held is not written to', async () => {
    const hold = fake.holdResponses({ method: 'POST', path: `/channels/${CHANNEL}/messages` });
    const abort = new AbortController();
    const pending = fetch(`${fake.restUrl}/v10/channels/${CHANNEL}/messages`, {
      method: 'POST',
      headers: { authorization: `Bot ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'orphan' }),
      signal: abort.signal,
    }).catch((error: unknown) => error);
    await fake.waitFor(() => hold.held === 1, 5_000);
    abort.abort();
    expect(await pending).toBeInstanceOf(Error);
    hold.release();
    expect(contents()).toContain('orphan');
    expect((await post({ content: 'still serving' })).status).toBe(200);
  });
});
