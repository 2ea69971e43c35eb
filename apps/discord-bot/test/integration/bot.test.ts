// The bot end to end: the real discord.js client → the fake Discord; the real API and worker (child process)
// → Redis → the Proxmox simulator. Each test is what a user does and sees; they run in order on one stack.
import { buttons, type FakeDiscord } from '@guildserver/discord-fake';
import { expectNoDiscordViolations } from '@guildserver/discord-fake/vitest';
import type { APIMessage } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningBot } from '../../src/bot.js';
import {
  ADMIN,
  ALICE,
  BOB,
  type BotTarget,
  CAROL,
  GENERAL,
  GUILD,
  LOCKED,
  newStatePath,
  ROLE_ADMIN,
  startDiscord,
  startTestBot,
  textOf,
  userActions,
} from './harness.js';
import { type SlowProxy, type Stack, startSlowProxy, startStack } from './stack.js';

const MINUTES = 60_000;

describe('the bot through discord.js, the fake Discord and the real API', () => {
  let stack: Stack;
  let discord: FakeDiscord;
  let target: BotTarget;
  let bot: RunningBot;

  const { command, autocomplete, answer, api, serverNamed, waitForState } = userActions(
    () => discord,
    () => stack,
  );
  const mentionsOf = (m: APIMessage) => m.mentions.map((u) => u.id);

  beforeAll(async () => {
    stack = await startStack(inject('redisUrl'), 'e2e', {
      QUOTA_USER_SERVERS: '12',
      QUOTA_USER_CORES: '100000',
      QUOTA_USER_MEMORY: '100000000',
      QUOTA_GUILD_SERVERS: '100',
      QUOTA_GUILD_CORES: '100000',
      QUOTA_GUILD_MEMORY: '100000000',
      WORKER_CONCURRENCY: '30',
    });
    const started = await startDiscord();
    discord = started.discord;
    target = {
      discord,
      token: started.token,
      apiUrl: stack.apiUrl,
      apiToken: stack.botToken,
      statePath: newStatePath(),
    };
    bot = await startTestBot(target);
  }, 90_000);

  afterAll(async () => {
    await bot?.stop();
    await discord?.close();
    await stack?.close();
  }, 30_000);

  afterEach(() => expectNoDiscordViolations(discord));

  it('registers /server in the guild as one bulk overwrite', () => {
    expect(discord.registeredCommands(GUILD).map((c) => c.name)).toEqual(['server']);
    expect(discord.requests.filter((r) => r.method === 'PUT' && r.path.includes('/commands'))).toHaveLength(
      1,
    );
  });

  it('create: deferred ephemeral at once, then one message follows the steps and ends with the address', async () => {
    const handle = command(ALICE, 'create', { game: 'minecraft-java', name: 'survival' });
    const first = await handle.response();
    expect(first.type).toBe(5);
    expect(first.data?.flags).toBe(64);
    const text = await answer(handle, (t) => t.includes('survival is running'));
    for (const step of [
      'Allocating ports and a VM id',
      'Cloning the template',
      'Starting the VM',
      'Waiting for the network',
      'Installing the game',
      'Waiting for the game to answer',
    ]) {
      expect(text).toContain(`✅ ${step}`);
    }
    expect(text).toMatch(/Address: `play\.example\.net:\d+` — GuildServer does not forward its ports here/);
    expect(handle.followUps).toHaveLength(0);
    expect(discord.channelMessages(GENERAL)).toHaveLength(0);
  });

  it('status shows the server with buttons; Stop and Start on it work and are checked again', async () => {
    const status = command(ALICE, 'status', { name: 'survival' });
    const text = await answer(status, (t) => t.includes('survival'));
    expect(text).toContain('🟢 running');
    expect(text).toMatch(/Address: `play\.example\.net:\d+` — GuildServer does not forward its ports here/);
    const message = status.original()!;
    expect(buttons(message).map((b) => [b.label, b.disabled])).toEqual([
      ['Start', true],
      ['Stop', false],
      ['Restart', false],
      ['Refresh', false],
    ]);
    const stopId = buttons(message).find((b) => b.label === 'Stop')!.customId!;
    const stop = discord.clickButton({ message, customId: stopId, userId: ALICE });
    expect((await stop.response()).type).toBe(6);
    await discord.waitFor(() => textOf(discord.message(message.id)).includes('⚪ stopped'), 30_000);
    const stopped = discord.message(message.id)!;
    expect(buttons(stopped).find((b) => b.label === 'Start')?.disabled).toBe(false);
    discord.clickButton({ message: stopped, customId: buttons(stopped)[0]!.customId!, userId: ALICE });
    await discord.waitFor(() => textOf(discord.message(message.id)).includes('🟢 running'), 30_000);
    await waitForState('survival', 'running');
  });

  it('stop, start and restart by command, each as one edited message', async () => {
    const stop = command(ALICE, 'stop', { name: 'survival' });
    expect(await answer(stop, (t) => t.includes('survival is stopped'))).toContain(
      '✅ Stopping the game server',
    );
    const start = command(ALICE, 'start', { name: 'survival' });
    expect(await answer(start, (t) => t.includes('survival is running'))).toMatch(
      /Address: `play\.example\.net:\d+`/,
    );
    const restart = command(ALICE, 'restart', { name: (await serverNamed('survival')).id });
    expect(await answer(restart, (t) => t.includes('survival is running again'))).toMatch(
      /Address: `play\.example\.net:\d+`/,
    );
  });

  it("status card: the game's name after a button edit, no address while stopped, 1 core, players without a limit", async () => {
    const create = command(ROLE_ADMIN, 'create', { game: 'minecraft-java', name: 'tiny', size: 'cores=1' });
    await answer(create, (t) => t.includes('tiny is running'));
    // A game that reports no player limit.
    stack.sql("UPDATE servers SET players_online = 0, players_max = 0 WHERE name = 'tiny'");
    const status = command(ROLE_ADMIN, 'status', { name: 'tiny' });
    const running = await answer(status, (t) => t.includes('tiny'));
    expect(running).toContain('Game: Minecraft: Java Edition');
    expect(running).toMatch(/^Size: 1 core, 4096 MiB, 20 GiB$/m);
    expect(running).toMatch(/^Players: 0$/m);
    expect(running).toMatch(
      /Address: `play\.example\.net:\d+` — GuildServer does not forward its ports here/,
    );
    const message = status.original()!;
    const stop = buttons(message).find((b) => b.label === 'Stop')!;
    discord.clickButton({ message, customId: stop.customId!, userId: ROLE_ADMIN });
    await discord.waitFor(() => textOf(discord.message(message.id)).includes('⚪ stopped'), 30_000);
    const stopped = textOf(discord.message(message.id));
    expect(stopped).toContain('Game: Minecraft: Java Edition');
    expect(stopped).not.toContain('minecraft-java');
    expect(stopped).not.toContain('Join at');
    expect(stopped).not.toContain('Address:');
  });

  it("each error is one plain ephemeral sentence: the API's own, where it has one", async () => {
    const taken = command(ALICE, 'create', { game: 'minecraft-java', name: 'survival' });
    expect(await answer(taken)).toBe("This guild already has a server named 'survival'; pick another name.");
    expect(taken.original()!.flags! & 64).toBe(64);
    const unknown = command(ALICE, 'create', { game: 'tetris', name: 'blocks' });
    const noGame = await answer(unknown);
    expect(noGame).toMatch(/^There is no (such )?game\b/);
    expect(noGame).not.toMatch(/\/v1\//);
    const notYours = command(BOB, 'stop', { name: 'survival' });
    expect(await answer(notYours)).toBe(
      'You have no server named “survival” here; pick one from the list that appears as you type.',
    );
    const notOwner = command(BOB, 'stop', { name: (await serverNamed('survival')).id });
    expect(await answer(notOwner)).toBe(
      "The server 'survival' belongs to someone else; only its owner or a guild admin may see or change it.",
    );
    // Below the game's own minimum: the API says so with the unit.
    const small = command(ALICE, 'create', { game: 'minecraft-java', name: 'small', size: 'memory=1024' });
    expect(await answer(small)).toMatch(/2048 MiB/);
    // What the API's request schema refuses is said as the rule, not in the schema's words.
    const blank = command(ALICE, 'create', { game: 'minecraft-java', name: '   ' });
    const rule = await answer(blank);
    expect(rule).toMatch(/3 to 32 lowercase letters, digits or inner hyphens/);
    expect(rule).not.toMatch(/expected|Too (small|big)/);
    // What the options' limits exclude, Discord's own client refuses: the bot never sees it.
    expect(() => command(ALICE, 'create', { game: 'minecraft-java', name: 'x'.repeat(200) })).toThrow(
      /name must be 3 to 32 characters long/,
    );
    expect(() => command(ALICE, 'stop', { name: 'y'.repeat(40) })).toThrow(/name must be 3 to 32/);
    const badSize = command(ALICE, 'create', { game: 'minecraft-java', name: 'big', size: 'huge' });
    expect(await answer(badSize)).toMatch(/^Write the size as/);
    const missing = command(ADMIN, 'status', { name: 'nowhere' });
    expect(await answer(missing)).toMatch(/^There is no server named “nowhere” here/);
  });

  it('changes made outside Discord are announced in the channel; list pages; then the quota', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `outside-${String(i).padStart(2, '0')}`);
    for (const name of names) {
      await api('POST', '/v1/servers', {
        game: 'minecraft-java',
        name,
        guildId: GUILD,
        ownerId: ALICE,
        channelId: GENERAL,
      });
    }
    await discord.waitFor(
      () =>
        discord.channelMessages(GENERAL).filter((m) => m.content.includes('(changed outside Discord)'))
          .length === 11,
      60_000,
    );
    const notice = discord.channelMessages(GENERAL).find((m) => m.content.includes('outside-00'))!;
    expect(notice.content).toMatch(
      /^<@140000000000000001> \*\*outside-00\*\* is running, but `play\.example\.net:\d+` does not lead to it yet: GuildServer does not forward its ports here: an admin forwards tcp\/\d+(, udp\/\d+)* to the VM by hand \(`gs edge rules`\)\. \(changed outside Discord\)$/,
    );
    expect(mentionsOf(notice)).toEqual([ALICE]);

    const list = command(ALICE, 'list');
    const page1 = await answer(list, (t) => t.includes('Your servers'));
    expect(page1).toContain('Page 1 of 2 · 12 servers');
    expect(page1).toContain('**outside-00**');
    const next = buttons(list.original()!).find((b) => b.label === 'Next')!;
    const click = discord.clickButton({ message: list.original()!, customId: next.customId!, userId: ALICE });
    expect((await click.response()).type).toBe(6);
    await discord.waitFor(() => textOf(list.original()).includes('Page 2 of 2'), 10_000);
    expect(textOf(list.original())).toContain('**outside-10**');
    expect(textOf(list.original())).toContain('**survival**');
    expect(buttons(list.original()!).find((b) => b.label === 'Next')?.disabled).toBe(true);

    const quota = command(ALICE, 'create', { game: 'minecraft-java', name: 'one-too-many' });
    expect(await answer(quota)).toBe('The user already has 12 of its 12 servers; delete one first.');
  });

  it('autocomplete: what was typed, only the servers one may act on, admins all, at most 25', async () => {
    // 12 (the user quota) for Carol, 2 for an admin: with Alice's 12, 26 servers in the guild.
    const more: [string, string][] = [
      ...Array.from({ length: 12 }, (_, i): [string, string] => [CAROL, `carol-${i}`]),
      [ROLE_ADMIN, 'admins-1'],
      [ROLE_ADMIN, 'admins-2'],
    ];
    for (const [ownerId, name] of more) {
      await api('POST', '/v1/servers', {
        game: 'minecraft-java',
        name,
        guildId: GUILD,
        ownerId,
        channelId: GENERAL,
      });
    }
    // Wait for the provisions to settle, so the API answers autocomplete quickly (not from the bot's cache).
    await waitForState('admins-2', 'running');
    await waitForState('carol-11', 'running');
    const names = async (userId: string, typed: string) =>
      (await autocomplete(userId, 'stop', { name: typed }, 'name').response()).map(
        (c) => c.name.split(' · ')[0],
      );
    expect(await names(ALICE, 'surv')).toEqual(['survival']);
    const alices = await names(ALICE, '');
    expect(alices).toHaveLength(12);
    expect(alices.some((n) => n?.startsWith('carol'))).toBe(false);
    expect(await names(BOB, '')).toEqual([]);
    expect(await names(ADMIN, '')).toHaveLength(25);
    expect(await names(ROLE_ADMIN, 'carol-1')).toEqual(['carol-1', 'carol-10', 'carol-11']);
    expect(await names(ALICE, 'admins')).toEqual([]);
    const games = await autocomplete(ALICE, 'create', { game: 'valh' }, 'game').response();
    expect(games.map((g) => g.value)).toEqual(['valheim']);
  });

  it('delete asks first: the Delete button, or the name typed in a modal', async () => {
    await waitForState('outside-00', 'running');
    const ask = command(ALICE, 'delete', { name: 'outside-00' });
    expect(await answer(ask, (t) => t.includes('Delete outside-00?'))).toContain(
      'A final backup is made first',
    );
    const del = buttons(ask.original()!).find((b) => b.label === 'Delete')!;
    discord.clickButton({ message: ask.original()!, customId: del.customId!, userId: ALICE });
    await discord.waitFor(() => textOf(ask.original()).includes('outside-00 was deleted'), 30_000);

    await waitForState('outside-01', 'running');
    const ask2 = command(ALICE, 'delete', { name: 'outside-01' });
    await answer(ask2, (t) => t.includes('Delete outside-01?'));
    const typeIt = buttons(ask2.original()!).find((b) => b.label === 'Type the name to delete…')!;
    const opened = discord.clickButton({
      message: ask2.original()!,
      customId: typeIt.customId!,
      userId: ALICE,
    });
    expect((await opened.response()).type).toBe(9);
    const modalId = (await opened.response()).data?.custom_id as string;
    const wrong = discord.submitModal({ customId: modalId, fields: { name: 'outside-02' }, userId: ALICE });
    await discord.waitFor(() => wrong.followUps.length > 0, 10_000);
    expect(textOf(wrong.followUps[0])).toBe(
      'That is not the server’s name; nothing was deleted. Type `outside-01` exactly.',
    );
    const again = discord.clickButton({
      message: ask2.original()!,
      customId: typeIt.customId!,
      userId: ALICE,
    });
    await again.response();
    discord.submitModal({ customId: modalId, fields: { name: 'outside-01' }, userId: ALICE });
    await discord.waitFor(() => textOf(ask2.original()).includes('outside-01 was deleted'), 30_000);
  });

  it('delete refuses while players are online; an admin may force it', async () => {
    await waitForState('outside-02', 'running');
    const id = (await serverNamed('outside-02')).id;
    stack.sql('UPDATE servers SET players_online = 3, players_max = 10 WHERE id = ?', id);
    const refused = command(ALICE, 'delete', { name: 'outside-02' });
    expect(await answer(refused, (t) => t.includes('Delete outside-02?'))).toContain(
      '3 players are online on **outside-02**; it cannot be deleted while they play.',
    );
    expect(buttons(refused.original()!)).toEqual([]);
    const forced = command(ADMIN, 'delete', { name: id });
    await answer(forced, (t) => t.includes('Delete outside-02?'));
    const anyway = buttons(forced.original()!).find((b) => b.label === 'Delete anyway')!;
    discord.clickButton({ message: forced.original()!, customId: anyway.customId!, userId: ADMIN });
    await discord.waitFor(() => textOf(forced.original()).includes('outside-02 was deleted'), 30_000);
    // The owner is told in the server's channel who deleted it (the admin is named, not pinged).
    const told = await discord.waitFor(
      () => discord.channelMessages(GENERAL).find((m) => m.content.includes('**outside-02** was deleted')),
      30_000,
    );
    expect(told.content).toBe(
      `<@140000000000000001> **outside-02** was deleted. It can be brought back with \`/server backup undelete\` while its final backup is kept. (by <@140000000000000003>)`,
    );
    expect(mentionsOf(told)).toEqual([ALICE]);
  });

  it('a provision outliving the 15-minute token: the final notice lands in the channel with a mention', async () => {
    stack.sim.faults.agentSilent('*');
    const handle = command(BOB, 'create', { game: 'minecraft-java', name: 'late-one' });
    await answer(handle, (t) => t.includes('⏳ Waiting for the network'));
    discord.clock.advance(16 * MINUTES);
    stack.sim.faults.clear();
    const notice = await discord.waitFor(
      () => discord.channelMessages(GENERAL).find((m) => m.content.includes('late-one')),
      30_000,
    );
    expect(notice.content).toMatch(
      /^<@140000000000000002> \*\*late-one\*\* is running, but `play\.example\.net:\d+` does not lead to it yet: GuildServer does not forward its ports here: an admin forwards tcp\/\d+(, udp\/\d+)* to the VM by hand \(`gs edge rules`\)\.$/,
    );
    expect(mentionsOf(notice)).toEqual([BOB]);
    expect(textOf(handle.original())).not.toContain('late-one is running');
  });

  it('… and by DM when the channel cannot be written to; DMs closed is logged and dropped', async () => {
    discord.makeChannelUnwritable(LOCKED);
    stack.sim.faults.agentSilent('*');
    const handle = command(BOB, 'create', { game: 'minecraft-java', name: 'quiet-one' }, LOCKED);
    await answer(handle, (t) => t.includes('⏳ Waiting for the network'));
    discord.clock.advance(16 * MINUTES);
    stack.sim.faults.clear();
    const dm = await discord.waitFor(
      () => discord.dmMessages(BOB).find((m) => m.content.includes('quiet-one')),
      30_000,
    );
    expect(dm.content).toMatch(
      /^\*\*quiet-one\*\* is running, but `play\.example\.net:\d+` does not lead to it yet/,
    );
    expect(discord.channelMessages(LOCKED)).toEqual([]);

    // Carol's server announces to the unwritable channel and Carol takes no DMs: logged and dropped, once.
    discord.closeDms(CAROL);
    const carol0 = await serverNamed('carol-0');
    stack.sql('UPDATE servers SET channel_id = ? WHERE id = ?', LOCKED, carol0.id);
    const closedBefore = bot.notices.delivered.dmsClosed;
    await api('POST', `/v1/servers/${carol0.id}/stop`);
    await expect.poll(() => bot.notices.delivered.dmsClosed, { timeout: 30_000 }).toBe(closedBefore + 1);
    expect(discord.dmMessages(CAROL)).toEqual([]);
    expect(discord.channelMessages(LOCKED)).toEqual([]);
  });

  it('the bot restarted mid-provision sends exactly one final notice', async () => {
    stack.sim.faults.agentSilent('*');
    const handle = command(BOB, 'create', { game: 'minecraft-java', name: 'phoenix' });
    await answer(handle, (t) => t.includes('⏳ Waiting for the network'));
    await bot.stop();
    stack.sim.faults.clear();
    await waitForState('phoenix', 'running');
    bot = await startTestBot(target);
    await handle.waitForOriginal((m) => textOf(m).includes('phoenix is running'), 30_000);
    // The job is done with: forgotten from the state, and nothing about it went to the channel or by DM.
    await expect.poll(() => bot.state.trackedJobs().some((t) => t.serverName === 'phoenix')).toBe(false);
    const elsewhere = [...discord.channelMessages(GENERAL), ...discord.dmMessages(BOB)].filter((m) =>
      m.content.includes('phoenix'),
    );
    expect(elsewhere).toEqual([]);
    const finals = discord.requests.filter(
      (r) =>
        r.method === 'PATCH' &&
        r.path.includes(handle.token) &&
        JSON.stringify(r.body ?? '').includes('phoenix is running'),
    );
    expect(finals.length).toBeGreaterThanOrEqual(1);
  });

  it('with the API slow, commands are still deferred in time and autocomplete answers from its cache', async () => {
    let proxy: SlowProxy | undefined;
    try {
      proxy = await startSlowProxy(stack.apiUrl);
      await bot.stop();
      bot = await startTestBot({ ...target, apiUrl: proxy.url });
      // One answer with the API quick fills the cache.
      expect((await autocomplete(ALICE, 'status', { name: 'surv' }, 'name').response()).length).toBe(1);
      proxy.delayMs = 4_000;
      const slow = autocomplete(ALICE, 'status', { name: 'surv' }, 'name');
      expect((await slow.response()).map((c) => c.name.split(' · ')[0])).toEqual(['survival']);
      expect(slow.answeredLate).toBe(false);
      const status = command(ALICE, 'status', { name: 'survival' });
      expect((await status.response()).type).toBe(5);
      expect(status.answeredLate).toBe(false);
      expect(await answer(status, (t) => t.includes('🟢 running'))).toContain('survival');
    } finally {
      if (proxy) proxy.delayMs = 0;
      await bot.stop();
      bot = await startTestBot(target);
      await proxy?.close();
    }
  });

  it("status shows a game's generated join password to its owner and admins only, spoilered", async () => {
    const create = command(BOB, 'create', { game: 'valheim', name: 'vikings' });
    await answer(create, (t) => t.includes('vikings is running'));
    const password = /Join password: \|\|`([a-km-zA-HJ-NP-Z2-9]{14})`\|\|/;
    const owner = await answer(command(BOB, 'status', { name: 'vikings' }), (t) => t.includes('vikings'));
    expect(owner).toMatch(password);
    const admin = await answer(command(ADMIN, 'status', { name: 'vikings' }), (t) => t.includes('vikings'));
    expect(password.exec(admin)?.[1]).toBe(password.exec(owner)?.[1]);
    const other = await answer(command(ALICE, 'status', { name: 'vikings' }));
    expect(other).toContain('You have no server named “vikings”');
    expect(other).not.toMatch(password);
    // Never in the channel: the finished notice and any announcement leave it out.
    for (const message of discord.channelMessages(GENERAL)) expect(textOf(message)).not.toMatch(password);
  }, 90_000);
});
