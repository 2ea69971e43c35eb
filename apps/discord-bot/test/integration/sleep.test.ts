// Idle sleep as a gamer meets it, on the real API, worker and Proxmox simulator: a server nobody plays on (the
// simulated game always answers with 0 players) falls asleep by itself with one quiet 💤 line in its channel,
// /server list and status show it asleep, and the status card's Wake button and /server wake bring it back;
// waking a server that is awake, or someone else's, is refused in one sentence.
import { buttons, type FakeDiscord } from '@guildserver/discord-fake';
import { expectNoDiscordViolations } from '@guildserver/discord-fake/vitest';
import { type APIMessage, MessageFlags } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningBot } from '../../src/bot.js';
import {
  ALICE,
  BOB,
  GENERAL,
  newStatePath,
  startDiscord,
  startTestBot,
  textOf,
  userActions,
} from './harness.js';
import { type Stack, startStack } from './stack.js';

const SLEPT =
  '💤 **napper** is asleep after 2s without players — `/server wake name:napper` or the Wake button on its status brings it back';

describe('idle sleep and waking, through discord.js, the fake Discord and the real API', () => {
  let stack: Stack;
  let discord: FakeDiscord;
  let bot: RunningBot;

  const { command, answer, serverNamed, waitForState } = userActions(
    () => discord,
    () => stack,
  );
  const asleepLines = () =>
    discord.channelMessages(GENERAL).filter((m) => m.content.startsWith('💤 **napper** is asleep'));
  /** The n-th 💤 line in the server's channel, once the bot has posted it. */
  const nthAsleepLine = (n: number) => discord.waitFor(() => asleepLines()[n - 1], 60_000);
  const quiet = (m: APIMessage) => {
    expect(m.mentions).toEqual([]);
    expect(m.content).not.toContain('<@');
    expect((m.flags ?? 0) & MessageFlags.SuppressNotifications).toBe(MessageFlags.SuppressNotifications);
  };

  beforeAll(async () => {
    // Asked every second, idle after 2 s; awake at least 8 s after a start or wake, so a woken server stays
    // up long enough for the test to look at it before it dozes off again.
    stack = await startStack(inject('redisUrl'), 'sleep', {
      MONITOR_INTERVAL: '1s',
      IDLE_SLEEP_AFTER: '2s',
      IDLE_MIN_AWAKE: '8s',
    });
    const started = await startDiscord();
    discord = started.discord;
    bot = await startTestBot({
      discord,
      token: started.token,
      apiUrl: stack.apiUrl,
      apiToken: stack.botToken,
      statePath: newStatePath(),
    });
    await answer(command(ALICE, 'create', { game: 'minecraft-java', name: 'napper' }), (t) =>
      t.includes('napper is running'),
    );
  }, 120_000);

  afterAll(async () => {
    await bot?.stop();
    await discord?.close();
    await stack?.close();
  }, 30_000);

  afterEach(() => expectNoDiscordViolations(discord));

  it('a server without players falls asleep by itself: one quiet line in its channel, pinging nobody', async () => {
    const line = await nthAsleepLine(1);
    expect(line.content).toBe(`${SLEPT}.`);
    quiet(line);
    expect((await serverNamed('napper')).state).toBe('sleeping');
  }, 60_000);

  it('list and status show it asleep, the card offers Wake, and Wake brings it back running', async () => {
    const list = await answer(command(ALICE, 'list'), (t) => t.includes('Your servers'));
    expect(list).toContain('**napper** · Minecraft: Java Edition · 💤 asleep');

    const status = command(ALICE, 'status', { name: 'napper' });
    expect(await answer(status, (t) => t.includes('napper'))).toContain('State: 💤 asleep');
    const card = status.original()!;
    const shown = buttons(card).map((b) => [b.label, b.disabled]);
    expect(shown).toContainEqual(['Wake', false]);
    expect(shown.map(([label]) => label)).not.toContain('Start');

    const wake = buttons(card).find((b) => b.label === 'Wake')!;
    const click = discord.clickButton({ message: card, customId: wake.customId!, userId: ALICE });
    expect((await click.response()).type).toBe(6);
    await discord.waitFor(() => textOf(discord.message(card.id)).includes('State: 🟢 running'), 60_000);
    const woken = discord.message(card.id)!;
    expect(textOf(woken)).not.toContain('Waking napper');
    expect(buttons(woken).map((b) => [b.label, b.disabled])).toEqual([
      ['Start', true],
      ['Stop', false],
      ['Restart', false],
      ['Refresh', false],
    ]);
    expect((await serverNamed('napper')).state).toBe('running');
    // Still the one 💤 line: a wake asked in Discord is told on its card, not in the channel.
    expect(asleepLines()).toHaveLength(1);
  }, 60_000);

  it('it falls asleep again, and /server wake wakes it: one edited reply ending awake', async () => {
    const again = await nthAsleepLine(2);
    // Now that it has woken once, the line says how long a wake takes.
    expect(again.content.startsWith(`${SLEPT} (usually ready in `)).toBe(true);
    expect(again.content).toMatch(/ \(usually ready in \d+ s\)\.$/);
    quiet(again);
    await waitForState('napper', 'sleeping');

    const wake = command(ALICE, 'wake', { name: 'napper' });
    expect((await wake.response()).data?.flags).toBe(64);
    const text = await answer(wake, (t) => t.includes('napper is awake'));
    expect(text).toMatch(/^napper is awake\n/);
    expect(text).toContain('✅ Waking the VM');
    expect(text).not.toContain('❌');
    expect(wake.followUps).toHaveLength(0);
    expect((await serverNamed('napper')).state).toBe('running');

    // Awake (for IDLE_MIN_AWAKE at least), it cannot be woken again.
    const awake = command(ALICE, 'wake', { name: 'napper' });
    expect(await answer(awake)).toBe("The server 'napper' is running; it cannot wake now.");
    expect(awake.original()!.flags! & 64).toBe(64);
  }, 60_000);

  it('waking someone else’s server is refused in one plain sentence', async () => {
    const notYours = command(BOB, 'wake', { name: 'napper' });
    expect(await answer(notYours)).toBe(
      'You have no server named “napper” here; pick one from the list that appears as you type.',
    );
    const byId = command(BOB, 'wake', { name: (await serverNamed('napper')).id });
    expect(await answer(byId)).toBe(
      "The server 'napper' belongs to someone else; only its owner or a guild admin may see or change it.",
    );
  }, 60_000);
});
