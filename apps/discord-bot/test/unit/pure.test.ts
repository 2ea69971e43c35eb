// The bot's pure parts: custom_ids, option parsing, error sentences, rendering, autocomplete choices, notice
// routing, the delete rule, config.
import { ApiError } from '@guildserver/api-client';
import { ConfigError } from '@guildserver/config';
import { reachOf, type Server, serverNameSchema } from '@guildserver/contracts';
import { describe, expect, it } from 'vitest';
import { parseSize } from '../../src/command-definitions/options.js';
import { COMMANDS } from '../../src/command-definitions/server.js';
import { loadBotConfig } from '../../src/config.js';
import { BotError } from '../../src/core/bot-error.js';
import { type CustomId, decodeCustomId, encodeCustomId } from '../../src/core/custom-ids.js';
import { gameChoices } from '../../src/handlers/autocomplete/game.js';
import { serverChoices } from '../../src/handlers/autocomplete/server-name.js';
import { deleteVerdict } from '../../src/handlers/delete-flow.js';
import { noticeNonce } from '../../src/notices/bot-notices.js';
import { decideNotice, ownerToTell } from '../../src/notices/routing.js';
import { awakeNotice, joiningNotice, sleptNotice } from '../../src/rendering/notices.js';
import { sentenceFor, sentenceForApiError } from '../../src/rendering/sentences.js';
import {
  deleteConfirmView,
  finalSentence,
  jobView,
  listView,
  statusView,
} from '../../src/rendering/views.js';
import { ALICE, BOB, event, job, server, tracked } from './fixtures.js';

describe('custom_ids', () => {
  const ids: CustomId[] = [
    { kind: 'server', action: 'start', serverId: 'srv_abcdefghij12' },
    { kind: 'server', action: 'refresh', serverId: 'srv_abcdefghij12' },
    { kind: 'delete', step: 'force', serverId: 'srv_abcdefghij12' },
    { kind: 'delete-modal', serverId: 'srv_abcdefghij12' },
    { kind: 'list', scope: 'all', page: 3 },
    {
      kind: 'restore',
      step: 'confirm',
      serverId: 'srv_abcdefghij12',
      // The longest VM id Proxmox allows.
      backupId: 'vzdump-qemu-999999999-2026_12_06-03_00_00.vma.zst',
    },
    {
      kind: 'restore',
      step: 'cancel',
      serverId: 'srv_abcdefghij12',
      backupId: 'vzdump-qemu-10001-2026_12_06-03_00_00.vma.zst',
    },
  ];
  it('round-trip and stay within 100 characters', () => {
    for (const id of ids) {
      const text = encodeCustomId(id);
      expect(text.length).toBeLessThanOrEqual(100);
      expect(decodeCustomId(text)).toEqual(id);
    }
  });
  it('refuse what the bot did not make', () => {
    for (const text of [
      '',
      'gs',
      'gs:srv:explode:srv_abcdefghij12',
      'gs:srv:start:srv_x',
      'xx:list:all:1',
      'gs:list:all:-1',
      'gs:list:some:1',
      'gs:delm:srv_abcdefghij12:extra',
      'gs:srv:start:srv_abcdefghij12:1',
      'gs:rst:confirm:srv_abcdefghij12',
      'gs:rst:confirm:srv_abcdefghij12:../../etc/passwd',
      'gs:rst:undo:srv_abcdefghij12:vzdump-qemu-10001-2026_12_06-03_00_00.vma.zst',
      'gs:del:confirm:srv_abcdefghij12:vzdump-qemu-10001-2026_12_06-03_00_00.vma.zst',
    ]) {
      expect(decodeCustomId(text), text).toBeUndefined();
    }
  });
});

describe('size option', () => {
  it('reads any of cores, memory, disk', () => {
    expect(parseSize('cores=4,memory=8192,disk=32')).toEqual({ cores: 4, memory: 8192, disk: 32 });
    expect(parseSize(' Cores=3 ')).toEqual({ cores: 3 });
    expect(parseSize('memory=4096, disk=10')).toEqual({ memory: 4096, disk: 10 });
  });
  it('says how to write it otherwise', () => {
    expect(() => parseSize('big')).toThrow(/cores=4,memory=8192,disk=32/);
    expect(() => parseSize('cores=0')).toThrow('cores must be from 1 to 128.');
    expect(() => parseSize('memory=100')).toThrow('memory must be from 512 to 4194304 MiB.');
    expect(() => parseSize('disk=99999')).toThrow('disk must be from 4 to 65536 GiB.');
    expect(() => parseSize('cores=2,cores=3')).toThrow(/only once/);
    expect(() => parseSize('')).toThrow(BotError);
  });
});

describe('error sentences', () => {
  it("shows the API's own sentence for every coded error that carries one", () => {
    const own = [
      ['quota_exceeded', "That would use 64 of the user's 12 cores; pick a smaller size or delete a server."],
      ['name_taken', "This guild already has a server named 'survival'; pick another name."],
      ['name_invalid', "'ab' is not a valid name: use 3 to 32 lowercase letters, digits or inner hyphens."],
      ['game_unknown', 'There is no game `minecraft`; did you mean `minecraft-java` or `minecraft-bedrock`?'],
      [
        'invalid_request',
        "The size will not do: memory must be a whole number from 2048 MiB (Minecraft: Java Edition's minimum) to 4194304 MiB; got 1024.",
      ],
      [
        'not_owner',
        "The server 'survival' belongs to someone else; only its owner or a guild admin may see or change it.",
      ],
      ['invalid_state', "The server 'a' is running; it cannot start now."],
    ] as const;
    for (const [code, message] of own) expect(sentenceFor(new ApiError(code, message)), code).toBe(message);
  });
  it('keeps its own words for the bot token, the internals, and operator details', () => {
    expect(sentenceFor(new ApiError('unauthorized', 'That API token is unknown or revoked.'))).toMatch(
      /an admin should check its API token/,
    );
    expect(
      sentenceFor(
        new ApiError('forbidden', 'This token may only read: use a token with the bot or admin scope.'),
      ),
    ).toMatch(/token’s scope/);
    expect(
      sentenceFor(new ApiError('rate_limited', 'Too many requests with this token; try again in 3 s.')),
    ).toBe('Too many requests at once; try again in a minute.');
    expect(
      sentenceFor(new ApiError('proxmox_permission_denied', 'Proxmox refused: VM.Allocate on /vms')),
    ).toMatch(/an admin needs to look at it/);
    expect(
      sentenceFor(new ApiError('internal', 'Something went wrong on our side; it has been logged.')),
    ).toMatch(/went wrong inside GuildServer/);
    expect(sentenceFor(new ApiError('not_found', 'There is no server with id srv_abcdefghij12.'))).toMatch(
      /does not exist/,
    );
    expect(
      sentenceFor(
        new ApiError(
          'game_unavailable',
          'Minecraft needs the EULA (https://aka.ms/MinecraftEULA) accepted: add minecraft-eula to GAME_LICENSES_ACCEPTED.',
        ),
      ),
    ).toMatch(/accepts its licence/);
    expect(
      sentenceFor(
        new ApiError('ports_exhausted', 'No free ports left in GAME_PORT_RANGE 20000-20100; widen it.'),
      ),
    ).toMatch(/no free game ports/);
    expect(
      sentenceFor(
        new ApiError(
          'game_unknown',
          "There is no game 'x'; GET /v1/games lists the ones GuildServer can host.",
        ),
      ),
    ).toMatch(/no such game/);
    expect(
      sentenceFor(new ApiError('invalid_request', 'Idempotency-Key must be 1 to 255 printable characters.')),
    ).toMatch(/did not accept that request/);
    expect(sentenceForApiError('invalid_state', 'VM 10001 is locked')).toMatch(/current state/);
    expect(sentenceFor(new Error('boom at line 3'))).toMatch(/went wrong inside GuildServer/);
  });
  it("turns the request schema's words into the rule a gamer can follow", () => {
    expect(
      sentenceForApiError('invalid_request', 'name: Too big: expected string to have <=64 characters.'),
    ).toBe('That name will not do: use 3 to 32 lowercase letters, digits or inner hyphens, like `my-world`.');
    expect(
      sentenceForApiError('invalid_request', 'size.memory: Too small: expected number to be >=512.'),
    ).toMatch(/^Write the size as `cores=4,memory=8192,disk=32`/);
    expect(
      sentenceForApiError('invalid_request', 'game: Invalid input: expected string, received number.'),
    ).toMatch(/no such game/);
    expect(sentenceForApiError('invalid_request', 'guildId: Invalid string: must be a Discord id.')).toMatch(
      /did not accept that request/,
    );
  });
});

describe('rendering', () => {
  it('progress lists the steps; the end shows where to join', () => {
    const running = jobView(job(), undefined, 'survival', 'play.example.net');
    expect(running.embeds[0]?.title).toBe('Creating survival…');
    expect(running.embeds[0]?.description).toContain('✅ Cloning the template · 1.2 s');
    expect(running.embeds[0]?.description).toContain('⏳ Starting the VM');
    const done = jobView(
      job({ state: 'succeeded' }),
      server({ address: 'play.example.net:20001' }),
      'survival',
      'h',
    );
    expect(done.embeds[0]?.title).toBe('survival is running');
    expect(done.embeds[0]?.fields?.[0]).toEqual({ name: 'Join at', value: '`play.example.net:20001`' });
    const failed = jobView(
      job({ state: 'failed', error: { code: 'x', message: 'It broke.', step: null } }),
      undefined,
      's',
      'h',
    );
    expect(failed.embeds[0]?.title).toBe('Create of s failed');
    const joinable = { address: 'h:1', joinable: true };
    expect(finalSentence('create', true, 's', joinable)).toBe('**s** is running: join at `h:1`');
    expect(finalSentence('stop', true, 's', joinable)).toBe('**s** is stopped.');
  });
  it("a create's progress says its route and how long such creates took lately", () => {
    const footer = (overrides: Parameters<typeof job>[0]) =>
      jobView(job(overrides), undefined, 'survival', 'h').embeds[0]?.footer?.text;
    expect(footer({ route: 'image', expectedSeconds: 42 })).toBe(
      "From the game's image: only its settings are applied, usually ready in about 42 s.",
    );
    expect(footer({ route: 'install', expectedSeconds: 452 })).toBe(
      'No image of this game yet: installing it in full, usually ready in about 8 min.',
    );
    expect(footer({ route: 'install', expectedSeconds: null })).toBe(
      'No image of this game yet: installing it in full.',
    );
    expect(footer({ kind: 'start', route: null })).toBeUndefined();
    // Done: the footer has served its purpose.
    expect(footer({ route: 'image', expectedSeconds: 42, state: 'succeeded' })).toBeUndefined();
  });
  it('never presents an address the edge does not forward as the way to join', () => {
    const reachFor = (publication: Server['publication']) => reachOf(server({ publication }), 'h');
    expect(finalSentence('create', true, 's', reachFor('published'))).toBe(
      '**s** is running: join at `play.example.net:20001`',
    );
    expect(finalSentence('start', true, 's', reachFor('dry'))).toBe(
      '**s** is running: join at `play.example.net:20001` (a simulated VM: the edge runs dry and forwards nothing)',
    );
    expect(finalSentence('create', true, 's', reachFor('manual'))).toBe(
      '**s** is running, but `play.example.net:20001` does not lead to it yet: GuildServer does not forward its ports here: an admin forwards tcp/20001 to the VM by hand (`gs edge rules`).',
    );
    expect(finalSentence('restart', true, 's', reachFor('pending'))).toBe(
      '**s** is running again, but `play.example.net:20001` does not lead to it yet: the edge has not published it yet.',
    );
    expect(reachFor('closed')).toBeUndefined();
    const card = (publication: Server['publication']) =>
      statusView(server({ publication }), 'h').embeds[0]?.fields?.find(
        (f) => f.name !== 'Game' && /`/.test(f.value),
      );
    expect(card('published')).toMatchObject({ name: 'Join at', value: '`play.example.net:20001`' });
    expect(card('manual')).toMatchObject({
      name: 'Address',
      value: expect.stringMatching(/does not forward/),
    });
    expect(
      listView([server({ publication: 'manual' })], 'mine', 0, 'h').embeds[0]?.description,
    ).not.toContain('play.example.net');
  });
  it('status buttons follow the state and carry the server id', () => {
    const view = statusView(server({ id: 'srv_abcdefghij12', state: 'stopped' }), 'h');
    const buttons = view.components[0]?.components as {
      custom_id: string;
      disabled: boolean;
      label: string;
    }[];
    expect(buttons.map((b) => [b.label, b.disabled])).toEqual([
      ['Start', false],
      ['Stop', true],
      ['Restart', true],
      ['Refresh', false],
    ]);
    expect(buttons[0]?.custom_id).toBe('gs:srv:start:srv_abcdefghij12');
  });
  it('an asleep server: Wake instead of Start, 💤 in the list, its idle sleep and whose setting it is', () => {
    const asleep = server({ id: 'srv_abcdefghij12', state: 'sleeping', publication: 'closed' });
    const view = statusView(asleep, 'h');
    const buttons = view.components[0]?.components as {
      custom_id: string;
      disabled: boolean;
      label: string;
    }[];
    expect(buttons.map((b) => [b.label, b.disabled])).toEqual([
      ['Wake', false],
      ['Stop', false],
      ['Restart', true],
      ['Refresh', false],
    ]);
    expect(buttons[0]?.custom_id).toBe('gs:srv:wake:srv_abcdefghij12');
    const field = (s: Parameters<typeof statusView>[0], name: string) =>
      statusView(s, 'h').embeds[0]?.fields?.find((f) => f.name === name)?.value;
    expect(field(asleep, 'State')).toBe('💤 asleep');
    expect(field(asleep, 'Idle sleep')).toBe('after 30m without players (the default)');
    expect(
      field(
        server({ sleep: { afterMs: 5_400_000, setBy: 'server', capped: true, wakeSeconds: null } }),
        'Idle sleep',
      ),
    ).toBe('after 90m without players (its own setting, capped by the guild)');
    expect(
      field(
        server({ sleep: { afterMs: null, setBy: 'guild', capped: false, wakeSeconds: null } }),
        'Idle sleep',
      ),
    ).toBe('never (the guild’s setting)');
    expect(listView([asleep], 'mine', 0, 'h').embeds[0]?.description).toMatch(/ · 💤 asleep$/);
    const sleep = { afterMs: 1_800_000, setBy: 'guild', capped: false, wakeSeconds: 35 } as const;
    // An edge answers for it: joining wakes it.
    expect(sleptNotice({ name: 'survival', sleep, publication: 'asleep' })).toBe(
      '💤 **survival** is asleep after 30m without players — it wakes when someone joins (usually ready in 35 s).',
    );
    // No edge (EDGE=none): Discord wakes it.
    expect(sleptNotice({ name: 'survival', sleep, publication: 'closed' })).toBe(
      '💤 **survival** is asleep after 30m without players — `/server wake name:survival` or the Wake button on its status brings it back (usually ready in 35 s).',
    );
    // Its status card shows the address with what joining does.
    expect(field({ ...asleep, publication: 'asleep' }, 'Join at')).toBe(
      '`play.example.net:20001` — asleep: joining wakes it',
    );
    expect(field(asleep, 'Join at')).toBeUndefined();
  });
  it('the quiet lines of a join waking a server, and of it awake', () => {
    const waking = server({
      name: 'survival',
      state: 'waking',
      sleep: { afterMs: 1_800_000, setBy: 'guild', capped: false, wakeSeconds: 35 },
    });
    expect(joiningNotice(waking)).toBe(
      '🔔 Someone is joining **survival** — waking it (usually ready in 35 s).',
    );
    expect(joiningNotice({ ...waking, sleep: { ...waking.sleep, wakeSeconds: null } })).toBe(
      '🔔 Someone is joining **survival** — waking it.',
    );
    const awake = server({ name: 'survival' });
    expect(awakeNotice(awake, reachOf(awake, 'h'))).toBe(
      '☀️ **survival** is awake: join at `play.example.net:20001`.',
    );
    expect(awakeNotice(awake, reachOf({ ...awake, publication: 'pending' }, 'h'))).toBe(
      '☀️ **survival** is awake, but `play.example.net:20001` does not lead to it yet: the edge has not published it yet.',
    );
  });
  it("status card: the game's name, the address only while running, 1 core, players without a limit", () => {
    const games = [
      {
        id: 'minecraft-java',
        name: 'Minecraft: Java Edition',
        defaultSize: { cores: 2, memory: 4096, disk: 20 },
        minimumSize: { cores: 1, memory: 2048, disk: 10 },
      },
    ];
    const fields = (s: Parameters<typeof statusView>[0]) =>
      Object.fromEntries((statusView(s, 'h', games).embeds[0]?.fields ?? []).map((f) => [f.name, f.value]));
    const running = fields(
      server({ size: { cores: 1, memory: 2048, disk: 10 }, players: { online: 0, max: 0 }, address: null }),
    );
    expect(running).toMatchObject({
      Game: 'Minecraft: Java Edition',
      'Join at': '`h:20001`',
      Players: '0',
      Size: '1 core, 2048 MiB, 10 GiB',
    });
    expect(fields(server({ players: { online: 3, max: 10 } }))).toMatchObject({
      Players: '3 of 10',
      Size: '2 cores, 4096 MiB, 20 GiB',
    });
    for (const state of ['stopped', 'stopping', 'starting', 'failed'] as const)
      expect(fields(server({ state, address: null })), state).not.toHaveProperty('Join at');
    expect(
      listView([server({ state: 'stopped' })], 'mine', 0, 'h', undefined, games).embeds[0]?.description,
    ).toMatch(/^\*\*world-\d+\*\* · Minecraft: Java Edition · ⚪ stopped$/);
  });
  it('status card: players now with the peak today, and when the last player was seen while none is on', () => {
    const fields = (s: Parameters<typeof statusView>[0]) =>
      Object.fromEntries((statusView(s, 'h').embeds[0]?.fields ?? []).map((f) => [f.name, f.value]));
    const activity = {
      checkedAt: '2026-12-07T12:00:00.000Z',
      peakToday: 5,
      lastPlayerAt: '2026-12-07T11:46:00.000Z',
      idleSince: '2026-12-07T11:47:00.000Z',
      idle: false,
    };
    const playing = fields(
      server({ players: { online: 2, max: 20 }, activity: { ...activity, idleSince: null } }),
    );
    expect(playing.Players).toBe('2 of 20 · peak today 5');
    expect(playing).not.toHaveProperty('Last player');
    expect(fields(server({ players: { online: 5, max: 20 }, activity })).Players).toBe('5 of 20');
    const empty = fields(server({ players: { online: 0, max: 20 }, activity }));
    // Discord's relative time: "14 minutes ago", kept current by the client.
    expect(empty['Last player']).toBe('<t:1796643960:R>');
    expect(
      fields(server({ players: { online: 0, max: 20 }, activity: { ...activity, idle: true } }))[
        'Last player'
      ],
    ).toBe('<t:1796643960:R> · idle since <t:1796644020:R>');
    expect(
      fields(server({ players: { online: 0, max: 20 }, activity: { ...activity, lastPlayerAt: null } }))[
        'Last player'
      ],
    ).toBe('none yet');
    // Never asked yet (just created): nothing said about the last player.
    expect(fields(server({ players: { online: 0, max: 20 } }))).not.toHaveProperty('Last player');
  });
  it('list pages of 10 with Previous/Next only when needed', () => {
    const many = Array.from({ length: 23 }, () => server());
    const first = listView(many, 'all', 0, 'h');
    expect(first.embeds[0]?.footer?.text).toBe('Page 1 of 3 · 23 servers');
    const buttons = first.components[0]?.components as { custom_id: string; disabled: boolean }[];
    expect(buttons.map((b) => [b.custom_id, b.disabled])).toEqual([
      ['gs:list:all:0', true],
      ['gs:list:all:1', false],
    ]);
    expect(listView(many, 'all', 2, 'h').embeds[0]?.description?.split('\n')).toHaveLength(3);
    expect(listView(many.slice(0, 3), 'mine', 0, 'h').components).toEqual([]);
  });
  it('the delete question refuses while players are online, unless an admin', () => {
    const busy = server({ players: { online: 2, max: 10 } });
    expect(deleteConfirmView(busy, false).components).toEqual([]);
    expect(deleteConfirmView(busy, false).embeds[0]?.description).toMatch(/2 players are online/);
    const admin = deleteConfirmView(busy, true).components[0]?.components as { label: string }[];
    expect(admin.map((b) => b.label)).toEqual(['Delete anyway', 'Cancel']);
    const empty = deleteConfirmView(server(), false).components[0]?.components as { label: string }[];
    expect(empty.map((b) => b.label)).toEqual(['Delete', 'Type the name to delete…', 'Cancel']);
    expect(deleteVerdict(busy, false, true)).toBe('players_online');
    expect(deleteVerdict(busy, true, false)).toBe('players_online');
    expect(deleteVerdict(busy, true, true)).toBe('go');
    expect(deleteVerdict(server({ players: null }), false, false)).toBe('go');
  });
});

describe('autocomplete choices', () => {
  it('games filtered by id or name, at most 25', () => {
    const games = Array.from({ length: 30 }, (_, i) => ({
      id: `game-${i}`,
      name: i === 7 ? 'Valheim' : `Game ${i}`,
      defaultSize: { cores: 2, memory: 4096, disk: 20 },
      minimumSize: { cores: 1, memory: 1024, disk: 10 },
    }));
    expect(gameChoices(games, '')).toHaveLength(25);
    expect(gameChoices(games, 'valh').map((c) => c.value)).toEqual(['game-7']);
  });
  it("servers: the user's own, an admin's all, filtered, at most 25, prefix first", () => {
    const list = [
      server({ name: 'alpha', ownerId: ALICE }),
      server({ name: 'beta', ownerId: BOB }),
      server({ name: 'the-alpha', ownerId: ALICE }),
      ...Array.from({ length: 30 }, (_, i) => server({ name: `bulk-${i}`, ownerId: ALICE })),
    ];
    expect(serverChoices(list, { admin: false, userId: BOB }, '').map((c) => c.name)).toEqual([
      'beta · minecraft-java · running',
    ]);
    expect(
      serverChoices(list, { admin: false, userId: ALICE }, 'alp').map((c) => c.name.split(' ')[0]),
    ).toEqual(['alpha', 'the-alpha']);
    expect(serverChoices(list, { admin: true, userId: BOB }, '')).toHaveLength(25);
    expect(serverChoices(list, { admin: true, userId: BOB }, 'beta')).toHaveLength(1);
  });
});

describe('notice nonces', () => {
  it('fit Discord (a string of at most 25 characters), one per event and copy', () => {
    expect(noticeNonce(Number.MAX_SAFE_INTEGER, 'owner').length).toBeLessThanOrEqual(25);
    expect(noticeNonce(Number.MAX_SAFE_INTEGER).length).toBeLessThanOrEqual(25);
    expect(new Set([noticeNonce(1), noticeNonce(11), noticeNonce(1, 'owner'), noticeNonce(2)]).size).toBe(4);
  });
});

describe('notice routing', () => {
  const now = 1_000_000;
  it('edits the original while the token lives', () => {
    expect(decideNotice(event({ type: 'step.started' }), tracked(), now + 60_000)).toEqual({
      kind: 'edit',
      final: false,
    });
    expect(decideNotice(event({ type: 'job.succeeded' }), tracked(), now + 60_000)).toEqual({
      kind: 'edit',
      final: true,
    });
    expect(decideNotice(event({ type: 'step.started' }), tracked(), now, true)).toEqual({ kind: 'none' });
    expect(decideNotice(event({ type: 'job.succeeded' }), tracked(), now, true)).toEqual({
      kind: 'edit',
      final: true,
    });
    expect(decideNotice(event({ type: 'step.progress' }), tracked(), now)).toEqual({ kind: 'none' });
  });
  it('after 15 minutes (or once refused) the final notice goes to the channel, mentioning the user', () => {
    const late = now + 15 * 60_000;
    expect(decideNotice(event({ type: 'step.started' }), tracked(), late)).toEqual({ kind: 'none' });
    expect(decideNotice(event({ type: 'job.failed' }), tracked(), late)).toMatchObject({
      kind: 'channel',
      mention: BOB,
      reason: 'expired',
    });
    expect(decideNotice(event({ type: 'job.succeeded' }), tracked({ expired: true }), now)).toMatchObject({
      kind: 'channel',
    });
  });
  it('jobs started outside Discord and drift are announced to the owner', () => {
    expect(decideNotice(event({ type: 'job.succeeded' }), undefined, now)).toMatchObject({
      kind: 'channel',
      mention: ALICE,
      reason: 'outside',
    });
    expect(decideNotice(event({ type: 'step.started' }), undefined, now)).toEqual({ kind: 'none' });
    expect(
      decideNotice(
        event({ type: 'server.drift', jobId: null, data: { reason: 'power_state' } }),
        undefined,
        now,
      ),
    ).toMatchObject({ kind: 'channel', reason: 'drift' });
    expect(
      decideNotice(
        event({
          type: 'server.drift',
          jobId: null,
          serverId: null,
          channelId: null,
          data: { reason: 'orphan_vm' },
        }),
        undefined,
        now,
      ),
    ).toEqual({ kind: 'none' });
    expect(decideNotice(event({ type: 'server.state_changed' }), undefined, now)).toEqual({ kind: 'none' });
  });
  it("an admin's change to someone else's server is also told to its owner", () => {
    const byAdmin = tracked({ userId: BOB });
    expect(ownerToTell(event({ type: 'job.succeeded', ownerId: ALICE }), byAdmin)).toEqual({
      ownerId: ALICE,
      channelId: event().channelId,
      by: BOB,
    });
    expect(ownerToTell(event({ type: 'job.failed', ownerId: ALICE }), byAdmin)).toMatchObject({
      ownerId: ALICE,
    });
    expect(ownerToTell(event({ type: 'step.started', ownerId: ALICE }), byAdmin)).toBeUndefined();
    expect(ownerToTell(event({ type: 'job.succeeded', ownerId: BOB }), byAdmin)).toBeUndefined();
    expect(ownerToTell(event({ type: 'job.succeeded', ownerId: ALICE }), undefined)).toBeUndefined();
  });
});

describe('commands and config', () => {
  it('one /server command, guild-only, with valid names', () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(['server']);
    const subs = COMMANDS[0]?.options?.map((o) => o.name);
    expect(subs).toEqual([
      'create',
      'start',
      'stop',
      'restart',
      'wake',
      'idle-sleep',
      'delete',
      'status',
      'list',
      'backup',
      'schedule',
      'settings',
    ]);
    const backup = COMMANDS[0]?.options?.find((o) => o.name === 'backup');
    expect(backup?.type).toBe(2);
    expect(backup && 'options' in backup && backup.options?.map((o) => o.name)).toEqual([
      'now',
      'list',
      'restore',
      'copy',
      'delete',
      'pin',
      'undelete',
    ]);
    const schedule = COMMANDS[0]?.options?.find((o) => o.name === 'schedule');
    expect(schedule && 'options' in schedule && schedule.options?.map((o) => o.name)).toEqual([
      'add',
      'off',
      'list',
      'remove',
    ]);
    expect(COMMANDS[0]?.contexts).toEqual([0]);
  });
  it('stays within what Discord allows a command in all (name, description, choices)', () => {
    type Option = { name: string; description?: string; choices?: { name: string; value: unknown }[] };
    const size = (o: Option & { options?: Option[] }): number =>
      o.name.length +
      (o.description?.length ?? 0) +
      (o.choices ?? []).reduce((n, c) => n + c.name.length + String(c.value).length, 0) +
      (o.options ?? []).reduce((n, child) => n + size(child), 0);
    expect(size(COMMANDS[0] as Parameters<typeof size>[0])).toBeLessThanOrEqual(4000);
  });
  it("every name option declares the API's name rule as lengths Discord's client enforces", () => {
    const subcommands = (COMMANDS[0]?.options ?? []).flatMap((o) => (o.type === 2 ? (o.options ?? []) : [o]));
    const nameOptions = subcommands.flatMap((sub) =>
      'options' in sub ? (sub.options ?? []).filter((o) => o.name === 'name' || o.name === 'new-name') : [],
    );
    expect(nameOptions).toHaveLength(20);
    for (const option of nameOptions) expect(option).toMatchObject({ min_length: 3, max_length: 32 });
    // …which are the lengths the API's rule accepts.
    expect(serverNameSchema.safeParse('a'.repeat(3)).success).toBe(true);
    expect(serverNameSchema.safeParse('a'.repeat(2)).success).toBe(false);
    expect(serverNameSchema.safeParse('a'.repeat(32)).success).toBe(true);
    expect(serverNameSchema.safeParse('a'.repeat(33)).success).toBe(false);
  });
  const env = { DISCORD_TOKEN: 'abc.def', API_URL: 'http://127.0.0.1:8080', API_TOKEN: 'gs_x' };
  it('reads the environment once, with defaults', () => {
    const config = loadBotConfig(env);
    expect(config).toMatchObject({
      discordApiUrl: 'https://discord.com/api',
      deployCommands: false,
      hostExternal: 'localhost',
    });
    expect(
      loadBotConfig({ ...env, DEPLOY_COMMANDS: 'true', DISCORD_GUILD_ID: '100000000000000001' })
        .deployCommands,
    ).toBe(true);
  });
  it('names the missing or malformed variable, never echoing a secret', () => {
    expect(() => loadBotConfig({ ...env, DISCORD_TOKEN: '' })).toThrow(/^DISCORD_TOKEN is required/);
    expect(() => loadBotConfig({ ...env, API_URL: 'ftp://x' })).toThrow(/^API_URL must be/);
    expect(() => loadBotConfig({ ...env, DEPLOY_COMMANDS: 'yes' })).toThrow(ConfigError);
    expect(() => loadBotConfig({ ...env, API_TOKEN: 'has space' })).toThrow(/^API_TOKEN must be/);
    try {
      loadBotConfig({ ...env, API_TOKEN: 'has space' });
    } catch (error) {
      expect((error as Error).message).not.toContain('has space');
    }
    expect(() => loadBotConfig({ ...env, DISCORD_GUILD_ID: '12' })).toThrow(/DISCORD_GUILD_ID/);
  });
});
