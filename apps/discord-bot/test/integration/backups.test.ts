// /server backup end to end: the real discord.js client → the fake Discord; the real API and worker → Redis →
// the Proxmox simulator, whose backup storage holds the archives. The tests run in order on one stack, with a
// guild backup quota of 2 so that its refusal can be met.
import type { BackupList, Server } from '@guildserver/contracts';
import { buttons, type FakeDiscord } from '@guildserver/discord-fake';
import { expectNoDiscordViolations } from '@guildserver/discord-fake/vitest';
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

describe('/server backup through discord.js, the fake Discord and the real API', () => {
  let stack: Stack;
  let discord: FakeDiscord;
  let bot: RunningBot;
  let survival: Server;

  const { command, autocomplete, answer, api, serverNamed, waitForState } = userActions(
    () => discord,
    () => stack,
  );
  const backups = async () => (await api<BackupList>('GET', `/v1/servers/${survival.id}/backups`)).backups;
  const timestamp = (iso: string) => `<t:${Math.floor(Date.parse(iso) / 1000)}:f>`;
  /** What the API itself answers to a request the bot makes: its refusal's code and sentence. */
  async function refusal(method: string, path: string): Promise<{ code: string; message: string }> {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    expect(response.ok).toBe(false);
    return ((await response.json()) as { error: { code: string; message: string } }).error;
  }

  beforeAll(async () => {
    stack = await startStack(inject('redisUrl'), 'backups', { QUOTA_GUILD_BACKUPS: '2' });
    const started = await startDiscord();
    discord = started.discord;
    bot = await startTestBot({
      discord,
      token: started.token,
      apiUrl: stack.apiUrl,
      apiToken: stack.botToken,
      statePath: newStatePath(),
    });
    await answer(command(ALICE, 'create', { game: 'minecraft-java', name: 'survival' }), (t) =>
      t.includes('survival is running'),
    );
    survival = await serverNamed('survival');
  }, 90_000);

  afterAll(async () => {
    await bot?.stop();
    await discord?.close();
    await stack?.close();
  }, 30_000);

  afterEach(() => expectNoDiscordViolations(discord));

  it('backup now: deferred ephemeral, one message follows the job and ends with the notice, once', async () => {
    const handle = command(ALICE, 'backup now', { name: 'survival' });
    expect((await handle.response()).data?.flags).toBe(64);
    const text = await answer(handle, (t) => t.includes('survival was backed up'));
    expect(text).not.toContain('❌');
    expect(text).toMatch(/✅ /);
    // Progress edited the same message first; the end is told there and nowhere else.
    const edits = discord.requests.filter((r) => r.method === 'PATCH' && r.path.includes(handle.token));
    expect(edits.some((r) => JSON.stringify(r.body).includes('Backing up survival'))).toBe(true);
    expect(handle.followUps).toHaveLength(0);
    expect(discord.channelMessages(GENERAL)).toHaveLength(0);
    expect((await backups()).map((b) => b.reason)).toEqual(['manual']);
    await waitForState('survival', 'running');
  });

  it('list: newest first, when, size, why; the guild’s use of its quota and the retention', async () => {
    const [manual] = await backups();
    const text = await answer(command(ALICE, 'backup list', { name: 'survival' }), (t) =>
      t.includes('Backups of survival'),
    );
    expect(text).toMatch(
      new RegExp(`^${timestamp(manual!.createdAt)} · \\d+(\\.\\d)? (MiB|GiB) · manual$`, 'm'),
    );
    expect(text).toMatch(/^This guild’s backups: 1 of 2 backups · \d+(\.\d)? of 200 GiB$/m);
    expect(text).toMatch(/^Retention: .+ \(`keep-[a-z]+=\d+.*`\)/m);
  });

  it('autocomplete offers the backups of the server given in name, filtered by what is typed', async () => {
    const [manual] = await backups();
    for (const name of ['survival', survival.id]) {
      const choices = await autocomplete(ALICE, 'backup restore', { name, backup: '' }, 'backup').response();
      expect(choices).toEqual([
        { name: expect.stringMatching(/^\d{1,2} [A-Z][a-z]{2} \d\d:\d\d · .+ · manual$/), value: manual!.id },
      ]);
    }
    const typed = async (text: string) =>
      (await autocomplete(ALICE, 'backup delete', { name: 'survival', backup: text }, 'backup').response())
        .length;
    expect(await typed('manu')).toBe(1);
    expect(await typed('scheduled')).toBe(0);
    // Nothing for a server one may not act on, nor before the server is given.
    expect(
      await autocomplete(BOB, 'backup pin', { name: survival.id, backup: '' }, 'backup').response(),
    ).toEqual([]);
    expect(await autocomplete(ALICE, 'backup pin', { name: '', backup: '' }, 'backup').response()).toEqual(
      [],
    );
  });

  it('restore asks first, only its asker can press the buttons, and Cancel does nothing', async () => {
    const [manual] = await backups();
    const ask = command(ALICE, 'backup restore', { name: 'survival', backup: manual!.id });
    expect(await answer(ask, (t) => t.includes('Restore survival?'))).toContain(
      `This replaces the world of **survival** with the backup of ${timestamp(manual!.createdAt)}; a backup of the current world is made first.`,
    );
    const message = ask.original()!;
    expect(buttons(message).map((b) => [b.label, b.style])).toEqual([
      ['Restore', 4],
      ['Cancel', 2],
    ]);
    // The question is ephemeral: nobody else sees it, so nobody else can press its buttons…
    for (const b of buttons(message))
      expect(() => discord.clickButton({ message, customId: b.customId!, userId: BOB })).toThrow(
        /cannot see ephemeral message/,
      );
    // …nor ask it of someone else's server.
    const bobs = command(BOB, 'backup restore', { name: survival.id, backup: manual!.id });
    expect(await answer(bobs)).toMatch(/belongs to someone else/);

    const cancel = buttons(message).find((b) => b.label === 'Cancel')!;
    const click = discord.clickButton({ message, customId: cancel.customId!, userId: ALICE });
    expect((await click.response()).type).toBe(6);
    await discord.waitFor(() => textOf(ask.original()) === 'Nothing was restored.', 10_000);
    expect(buttons(ask.original()!)).toEqual([]);
    expect((await serverNamed('survival')).state).toBe('running');
    expect(await backups()).toHaveLength(1);
  });

  it('Restore runs the job in the same message to "was restored and is running"; a before-restore backup is listed', async () => {
    const [manual] = await backups();
    const ask = command(ALICE, 'backup restore', { name: 'survival', backup: manual!.id });
    await answer(ask, (t) => t.includes('Restore survival?'));
    const restore = buttons(ask.original()!).find((b) => b.label === 'Restore')!;
    // vzdump names an archive by its VM and second: the restore's own backup must not fall in the same second
    // as the one it restores (the simulator's tasks take milliseconds; a real backup, minutes).
    await new Promise((resolve) => setTimeout(resolve, 1_000 - (Date.now() % 1_000) + 20));
    const click = discord.clickButton({
      message: ask.original()!,
      customId: restore.customId!,
      userId: ALICE,
    });
    expect((await click.response()).type).toBe(6);
    await discord.waitFor(
      () => textOf(ask.original()).includes('survival was restored and is running'),
      30_000,
    );
    expect(textOf(ask.original())).toMatch(/Address: `play\.example\.net:\d+`/);
    expect(discord.channelMessages(GENERAL)).toHaveLength(0);
    await waitForState('survival', 'running');

    const text = await answer(command(ALICE, 'backup list', { name: 'survival' }), (t) =>
      t.includes('Backups of survival'),
    );
    expect(text).toMatch(/ · before-restore$/m);
    expect(text).toContain('2 of 2 backups');
  });

  it("the API's refusals in one sentence: the quota, in the API's own words", async () => {
    const quota = await answer(command(ALICE, 'backup now', { name: 'survival' }));
    expect(quota).toBe(
      'This guild already keeps 2 backups, its limit of 2; delete old backups, or unpin them so the retention can prune them, before making another.',
    );
    const missing = command(ALICE, 'backup delete', { name: 'survival', backup: 'nothing-like-it' });
    expect(await answer(missing)).toBe(
      '**survival** has no backup “nothing-like-it”; pick one from the list that appears as you type.',
    );
  });

  it('pin, then delete is refused in the API’s words; unpinned it can be deleted', async () => {
    const manual = (await backups()).find((b) => b.reason === 'manual')!;
    const at = timestamp(manual.createdAt);
    const pin = await answer(command(ALICE, 'backup pin', { name: 'survival', backup: manual.id }));
    expect(pin).toBe(
      `The backup of **survival** from ${at} is pinned: it is never pruned, and cannot be deleted until it is unpinned.`,
    );
    const listed = await answer(command(ALICE, 'backup list', { name: 'survival' }), (t) =>
      t.includes('Backups'),
    );
    expect(listed).toMatch(new RegExp(`^${at} · .+ · manual 📌$`, 'm'));

    const refused = await answer(command(ALICE, 'backup delete', { name: 'survival', backup: manual.id }));
    const api = await refusal('DELETE', `/v1/servers/${survival.id}/backups/${manual.id}`);
    expect(api.code).toBe('invalid_state');
    expect(refused).toBe(api.message);
    expect(refused).toMatch(/is pinned/);

    const unpin = command(ALICE, 'backup pin', { name: 'survival', backup: manual.id, pinned: false });
    expect(await answer(unpin)).toBe(`The backup of **survival** from ${at} is no longer pinned.`);
    const deleted = await answer(command(ALICE, 'backup delete', { name: 'survival', backup: manual.id }));
    expect(deleted).toBe(`The backup of **survival** from ${at} was deleted.`);
    expect((await backups()).map((b) => b.reason)).toEqual(['before-restore']);
  });

  it('backup now with pin: the new backup is pinned at once', async () => {
    await answer(command(ALICE, 'backup now', { name: 'survival', pin: true }), (t) =>
      t.includes('survival was backed up'),
    );
    const [newest] = await backups();
    expect(newest).toMatchObject({ reason: 'manual', protected: true });
    const choices = await autocomplete(
      ALICE,
      'backup pin',
      { name: 'survival', backup: '📌' },
      'backup',
    ).response();
    expect(choices.map((c) => c.value)).toEqual([newest!.id]);
  });

  it('undelete: a server deleted from Discord is offered, and comes back from its final backup', async () => {
    const ask = command(ALICE, 'delete', { name: 'survival' });
    await answer(ask, (t) => t.includes('Delete survival?'));
    const del = buttons(ask.original()!).find((b) => b.label === 'Delete')!;
    discord.clickButton({ message: ask.original()!, customId: del.customId!, userId: ALICE });
    await discord.waitFor(() => textOf(ask.original()).includes('survival was deleted'), 30_000);
    // The delete made a final backup: its notice says how to undo it.
    expect(textOf(ask.original())).toContain('brought back with `/server backup undelete`');
    expect((await backups()).some((b) => b.reason === 'before-delete')).toBe(true);

    // Offered to its owner (not to someone else), by name, with the id as the value; live servers are not.
    // (the bot learns of the delete from the event stream, which may come just after the job's end)
    const offer = () => autocomplete(ALICE, 'backup undelete', { name: '' }, 'name').response();
    await expect.poll(async () => (await offer()).length, { timeout: 10_000 }).toBe(1);
    expect(await offer()).toEqual([
      {
        name: expect.stringMatching(/^survival · deleted \d{4}-\d\d-\d\d \d\d:\d\d UTC$/),
        value: survival.id,
      },
    ]);
    expect(await autocomplete(BOB, 'backup undelete', { name: '' }, 'name').response()).toEqual([]);

    const handle = command(ALICE, 'backup undelete', { name: survival.id });
    expect((await handle.response()).data?.flags).toBe(64);
    const text = await answer(handle, (t) =>
      t.includes('survival is back from its final backup and running'),
    );
    expect(text).not.toContain('❌');
    const edits = discord.requests.filter((r) => r.method === 'PATCH' && r.path.includes(handle.token));
    expect(edits.some((r) => JSON.stringify(r.body).includes('Bringing back survival'))).toBe(true);
    expect(handle.followUps).toHaveLength(0);
    expect(discord.channelMessages(GENERAL)).toHaveLength(0);
    await waitForState('survival', 'running');

    // Back: no longer offered, and asking again is refused in the API's words.
    expect(await autocomplete(ALICE, 'backup undelete', { name: '' }, 'name').response()).toEqual([]);
    expect(await answer(command(ALICE, 'backup undelete', { name: 'survival' }))).toBe(
      'No deleted server “survival” is known here; pick one from the list that appears as you type.',
    );
    expect(await answer(command(ALICE, 'backup undelete', { name: survival.id }))).toBe(
      "The server 'survival' is not deleted; restore a backup over it instead.",
    );
  });
  it('copy: a new server with the backup’s world under another name, followed in the same message to its address', async () => {
    const [newest] = await backups();
    const handle = command(ALICE, 'backup copy', {
      name: 'survival',
      backup: newest!.id,
      'new-name': 'Creative',
    });
    expect((await handle.response()).data?.flags).toBe(64);
    const text = await answer(handle, (t) => /creative is running, made from the backup|❌/.test(t));
    expect(text).not.toContain('❌');
    expect(text).toMatch(/Address: `play\.example\.net:\d+`/);
    const edits = discord.requests.filter((r) => r.method === 'PATCH' && r.path.includes(handle.token));
    expect(edits.some((r) => JSON.stringify(r.body).includes('Copying a backup into creative'))).toBe(true);
    const creative = await serverNamed('creative');
    const source = await serverNamed('survival');
    expect(creative).toMatchObject({
      game: source.game,
      ownerId: ALICE,
      channelId: GENERAL,
      state: 'running',
    });
    expect(creative.address).not.toBe(source.address);

    // A name already taken is refused in the API's words; so is someone else's server.
    expect(
      await answer(
        command(ALICE, 'backup copy', { name: 'survival', backup: newest!.id, 'new-name': 'creative' }),
      ),
    ).toBe("This guild already has a server named 'creative'; pick another name.");
    expect(
      await answer(
        command(BOB, 'backup copy', { name: survival.id, backup: newest!.id, 'new-name': 'mine' }),
      ),
    ).toMatch(/belongs to someone else/);
  });
});
