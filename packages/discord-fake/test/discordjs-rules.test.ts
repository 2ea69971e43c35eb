// The rules as discord.js meets them: its REST client honours a 429's retry_after and retries; a late answer
// surfaces as DiscordAPIError 10062; a second answer as 40060; a dead token as 50027; a too-long message as
// 50035 (recorded, so a suite can fail the test that sent it).
import {
  type ChatInputCommandInteraction,
  DiscordAPIError,
  Events,
  MessageFlags,
  type TextChannel,
} from 'discord.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ALICE, CHANNEL, GUILD, loginClient, startFake } from './support/setup.js';

const { fake, token } = await startFake();
const client = await loginClient(fake, token);
afterAll(async () => {
  await client.destroy();
  await fake.close();
});

/** Runs `fn` on the next chat-input interaction and resolves with what it returned or threw. */
function onNextCommand<T>(fn: (i: ChatInputCommandInteraction) => Promise<T>): Promise<T | unknown> {
  return new Promise((resolve) => {
    client.once(Events.InteractionCreate, (i) => {
      if (!i.isChatInputCommand()) return;
      fn(i).then(resolve, resolve);
    });
  });
}

const invoke = () => fake.invokeCommand({ guildId: GUILD, channelId: CHANNEL, userId: ALICE, name: 'slow' });

describe('discord.js meets the rules', () => {
  it('waits out a 429 (retry_after) and retries the request', async () => {
    fake.rateLimit({ method: 'POST', path: `/channels/${CHANNEL}/messages`, times: 1, retryAfter: 0.2 });
    const channel = client.channels.cache.get(CHANNEL) as TextChannel;
    const sent = await channel.send('after the limit');
    expect(sent.content).toBe('after the limit');
    const attempts = fake.requests.filter(
      (r) => r.method === 'POST' && r.path === `/channels/${CHANNEL}/messages`,
    );
    expect(attempts.map((r) => r.status)).toEqual([429, 200]);
  });

  it('gets 10062 when it answers after the 3 s deadline', async () => {
    const outcome = onNextCommand(async (i) => {
      fake.clock.advance(3_500); // the bot "took" 3.5 s
      await i.deferReply();
    });
    const h = invoke();
    const error = await outcome;
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(10062);
    expect(h.answeredLate).toBe(true);
  });

  it('gets 40060 when it answers twice', async () => {
    const outcome = onNextCommand(async (i) => {
      await i.reply('one');
      // discord.js guards this itself; bypass the guard the way a second process would.
      await client.rest.post(`/interactions/${i.id}/${i.token}/callback`, {
        body: { type: 4, data: { content: 'two' } },
        auth: false,
      });
    });
    invoke();
    expect(((await outcome) as DiscordAPIError).code).toBe(40060);
  });

  it('gets 50027 when it edits after the 15-minute token expired', async () => {
    let later: (() => Promise<unknown>) | undefined;
    const deferred = onNextCommand(async (i) => {
      await i.deferReply({ flags: MessageFlags.Ephemeral });
      later = () => i.editReply('finally');
    });
    invoke();
    await deferred;
    fake.clock.advance(15 * 60_000 + 1);
    const error = await later!().catch((e: unknown) => e);
    expect((error as DiscordAPIError).code).toBe(50027);
    expect((error as DiscordAPIError).status).toBe(401);
  });

  it('gets 50035 for a message over 2000 characters, and the fake records it', async () => {
    const outcome = onNextCommand((i) => i.reply('x'.repeat(2001)));
    invoke();
    const error = (await outcome) as DiscordAPIError;
    expect(error.code).toBe(50035);
    expect(error.message).toContain('Must be 2000 or fewer in length.');
    expect(fake.validationErrors.at(-1)?.lines[0]).toMatch(/^data\.content: BASE_TYPE_MAX_LENGTH/);
    fake.clearValidationErrors();
  });
});
