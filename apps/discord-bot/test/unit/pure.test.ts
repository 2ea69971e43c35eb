// The bot's pure parts: custom_ids, option parsing, error sentences, rendering, autocomplete choices, notice
// routing, the delete rule, config.
import { ConfigError } from '@guildserver/config';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/client.js';
import { parseSize } from '../../src/commands/options.js';
import { COMMANDS } from '../../src/commands/server.js';
import { loadBotConfig } from '../../src/config.js';
import { gameChoices } from '../../src/handlers/autocomplete/game.js';
import { serverChoices } from '../../src/handlers/autocomplete/server-name.js';
import { deleteVerdict } from '../../src/handlers/delete-flow.js';
import { type CustomId, decodeCustomId, encodeCustomId } from '../../src/interactions/custom-ids.js';
import { decideNotice } from '../../src/notices/routing.js';
import { BotError, sentenceFor, sentenceForApiError } from '../../src/rendering/sentences.js';
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
    expect(() => parseSize('cores=2,cores=3')).toThrow(/only once/);
    expect(() => parseSize('')).toThrow(BotError);
  });
});

describe('error sentences', () => {
  it('one plain sentence per API code, without ids', () => {
    expect(
      sentenceFor(
        new ApiError('quota_exceeded', 'The user already has 3 of its 3 servers; delete one first.'),
      ),
    ).toMatch(/quota is reached/);
    expect(sentenceFor(new ApiError('name_taken', 'x'))).toBe(
      'A server with that name already exists in this guild; pick another name.',
    );
    expect(sentenceFor(new ApiError('game_unknown', 'x'))).toMatch(/no such game/);
    expect(sentenceFor(new ApiError('not_owner', 'x'))).toMatch(/belongs to someone else/);
    expect(sentenceFor(new ApiError('proxmox_unreachable', 'x'))).toMatch(/cannot be reached/);
    expect(
      sentenceFor(new ApiError('not_found', 'There is no server with id srv_abcdefghij12.')),
    ).not.toMatch(/srv_/);
  });
  it('passes on a specific API sentence only when it leaks nothing', () => {
    expect(sentenceForApiError('invalid_state', "The server 'a' is running; it cannot start now.")).toBe(
      "The server 'a' is running; it cannot start now.",
    );
    expect(sentenceForApiError('invalid_state', 'VM 10001 is locked')).toMatch(/current state/);
    expect(sentenceFor(new Error('boom at line 3'))).toMatch(/went wrong inside GuildServer/);
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
    expect(finalSentence('create', true, 's', 'h:1')).toBe('**s** is running: join at `h:1`');
    expect(finalSentence('stop', true, 's', 'h:1')).toBe('**s** is stopped.');
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
});

describe('commands and config', () => {
  it('one /server command, guild-only, with valid names', () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(['server']);
    const subs = COMMANDS[0]?.options?.map((o) => o.name);
    expect(subs).toEqual(['create', 'start', 'stop', 'restart', 'delete', 'status', 'list']);
    expect(COMMANDS[0]?.contexts).toEqual([0]);
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
