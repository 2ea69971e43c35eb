// /server backup's pure parts: the choices autocomplete offers, the list, the restore question, picking the
// backup an option means, the refusals' words, and the routes.
import { ApiError } from '@guildserver/api-client';
import type { Backup, BackupList } from '@guildserver/contracts';
import type { AutocompleteInteraction } from 'discord.js';
import { ButtonStyle } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { BotError } from '../../src/core/bot-error.js';
import { decodeCustomId } from '../../src/core/custom-ids.js';
import type { Asker, BotServices } from '../../src/core/services.js';
import { backupAutocomplete, backupChoices } from '../../src/handlers/autocomplete/backup.js';
import { pickBackup } from '../../src/handlers/backup-target.js';
import { AUTOCOMPLETE_ROUTES, BUTTON_ROUTES, COMMAND_ROUTES } from '../../src/interactions/routes.js';
import {
  backupChangedSentence,
  backupListView,
  bytesText,
  restoreConfirmView,
  retentionWords,
} from '../../src/rendering/backups.js';
import { BACKUP_WORDING, sentenceFor } from '../../src/rendering/sentences.js';
import { ALICE, BOB, server } from './fixtures.js';

const GIB = 1024 ** 3;
const NOW = Date.parse('2026-12-06T12:00:00Z');

function backup(createdAt: string, overrides: Partial<Backup> = {}): Backup {
  // 2026-12-03T21:00:00.000Z → 2026_12_03-21_00_00, as vzdump names its archives.
  const stamp = createdAt.slice(0, 19).replaceAll('-', '_').replace('T', '-').replaceAll(':', '_');
  const id = `vzdump-qemu-10001-${stamp}.vma.zst`;
  return {
    id,
    volid: `backup:backup/${id}`,
    serverId: 'srv_000000000001',
    madeBy: 'guildserver',
    reason: 'manual',
    size: Math.round(1.2 * GIB),
    createdAt,
    protected: false,
    notes: '',
    ...overrides,
  };
}

const newest = backup('2026-12-03T21:00:00.000Z', { protected: true });
const scheduled = backup('2026-12-02T03:00:00.000Z', { reason: 'scheduled', size: 512 * 1024 ** 2 });
const outside = backup('2025-11-30T08:05:00.000Z', { madeBy: 'outside', reason: null, size: 3 * GIB });
const backups = [newest, scheduled, outside];

describe('backup choices', () => {
  it('name when (UTC), size, why and 📌; the value is the id; newest first', () => {
    expect(backupChoices(backups, '', NOW)).toEqual([
      { name: '3 Dec 21:00 · 1.2 GiB · manual 📌', value: newest.id },
      { name: '2 Dec 03:00 · 512 MiB · scheduled', value: scheduled.id },
      { name: '30 Nov 2025 08:05 · 3 GiB · made outside GuildServer', value: outside.id },
    ]);
  });
  it('filtered by what was typed, at most 25, names within 100 characters', () => {
    expect(backupChoices(backups, 'sched', NOW).map((c) => c.value)).toEqual([scheduled.id]);
    expect(backupChoices(backups, '3 DEC', NOW).map((c) => c.value)).toEqual([newest.id]);
    expect(backupChoices(backups, '2025_11_30', NOW).map((c) => c.value)).toEqual([outside.id]);
    const many = Array.from({ length: 40 }, (_, i) =>
      backup(new Date(NOW - i * 3_600_000).toISOString(), { reason: 'before-restore' }),
    );
    const choices = backupChoices(many, '', NOW);
    expect(choices).toHaveLength(25);
    for (const choice of choices) expect(choice.name.length).toBeLessThanOrEqual(100);
  });
});

describe('backup autocomplete at the deadline', () => {
  const mine = server({ name: 'survival' });
  const services = {
    now: () => NOW,
    servers: { cached: (_guild: string, owner?: string) => (owner === ALICE ? [mine] : undefined) },
    backups: { cached: (id: string) => (id === mine.id ? backups : undefined) },
  } as unknown as BotServices;
  const asker = (userId: string) => ({ userId, guildId: mine.guildId, admin: false }) as Asker;
  const typing = (name: string) =>
    ({ options: { getString: () => name } }) as unknown as AutocompleteInteraction;
  it("answers from the server's last list, for a server in the user's own list only", () => {
    for (const name of ['survival', mine.id]) {
      const choices = backupAutocomplete.fallback(services, asker(ALICE), 'sched', typing(name));
      expect(choices.map((c) => c.value)).toEqual([scheduled.id]);
    }
    expect(backupAutocomplete.fallback(services, asker(BOB), '', typing(mine.id))).toEqual([]);
    expect(backupAutocomplete.fallback(services, asker(ALICE), '', typing('elsewhere'))).toEqual([]);
  });
});

describe('picking the backup an option means', () => {
  it('by the id autocomplete gave, or typed like a choice when that names one', () => {
    expect(pickBackup(backups, newest.id, { name: 'survival' }, NOW)).toBe(newest);
    expect(pickBackup(backups, ' scheduled ', { name: 'survival' }, NOW)).toBe(scheduled);
  });
  it('says so when it names none, or several', () => {
    expect(() => pickBackup(backups, 'Dec', { name: 'survival' }, NOW)).toThrow(BotError);
    expect(() =>
      pickBackup(backups, 'vzdump-qemu-1-2020_01_01-00_00_00.vma', { name: 'survival' }, NOW),
    ).toThrow(
      /^\*\*survival\*\* has no backup “vzdump-qemu-1-2020_01_01-00_00_00\.vma”; pick one from the list/,
    );
    expect(() => pickBackup([], '  ', { name: 'survival' }, NOW)).toThrow(BotError);
  });
});

describe('backup rendering', () => {
  const list: BackupList = {
    backups,
    guild: { count: 12, maxCount: 50, bytes: Math.round(3.4 * GIB), maxBytes: 200 * GIB },
    retention: 'keep-last=3,keep-daily=7,keep-weekly=4',
  };
  it('sizes in MiB below a GiB, in GiB from there', () => {
    expect(bytesText(512 * 1024 ** 2)).toBe('512 MiB');
    expect(bytesText(Math.round(1.25 * 1024 ** 2))).toBe('1.3 MiB');
    expect(bytesText(GIB)).toBe('1 GiB');
    expect(bytesText(Math.round(1.2 * GIB))).toBe('1.2 GiB');
  });
  it('the list: newest first with Discord timestamps, sizes, why, 📌, then the guild’s use and the retention', () => {
    const embed = backupListView(server({ name: 'survival' }), list).embeds[0]!;
    expect(embed.title).toBe('Backups of survival');
    expect(embed.description?.split('\n')).toEqual([
      `<t:${Date.parse(newest.createdAt) / 1000}:f> · 1.2 GiB · manual 📌`,
      `<t:${Date.parse(scheduled.createdAt) / 1000}:f> · 512 MiB · scheduled`,
      `<t:${Date.parse(outside.createdAt) / 1000}:f> · 3 GiB · made outside GuildServer`,
    ]);
    expect(embed.fields?.[0]).toEqual({
      name: 'This guild’s backups',
      value: '12 of 50 backups · 3.4 of 200 GiB',
    });
    expect(embed.fields?.[1]?.value).toMatch(
      /^the last 3, 7 daily, 4 weekly \(`keep-last=3,keep-daily=7,keep-weekly=4`\)/,
    );
  });
  it('an empty list says how to make one; a long one stops within the embed’s limit', () => {
    const empty = backupListView(server(), { ...list, backups: [] }).embeds[0]!;
    expect(empty.description).toBe('No backups yet: `/server backup now` makes one.');
    const many = Array.from({ length: 200 }, (_, i) => backup(new Date(NOW - i * 3_600_000).toISOString()));
    const long = backupListView(server(), { ...list, backups: many }).embeds[0]!.description!;
    expect(long.length).toBeLessThanOrEqual(4096);
    expect(long).toMatch(/\n… and \d+ older$/);
  });
  it('retention in words, whatever Proxmox keeps', () => {
    expect(retentionWords('keep-all=1')).toBe('every backup');
    expect(retentionWords('keep-monthly=2,keep-yearly=1')).toBe('2 monthly, 1 yearly');
    expect(retentionWords('max-files=3')).toBe('max-files=3');
  });
  it('the restore question: which world, which backup; Restore (danger) and Cancel carry both', () => {
    const target = server({ name: 'survival' });
    const view = restoreConfirmView(target, newest);
    expect(view.embeds[0]?.description).toBe(
      `This replaces the world of **survival** with the backup of <t:${Date.parse(newest.createdAt) / 1000}:f>; a backup of the current world is made first.`,
    );
    const buttons = view.components[0]!.components as { label: string; style: number; custom_id: string }[];
    expect(buttons.map((b) => [b.label, b.style])).toEqual([
      ['Restore', ButtonStyle.Danger],
      ['Cancel', ButtonStyle.Secondary],
    ]);
    expect(buttons.map((b) => decodeCustomId(b.custom_id))).toEqual([
      { kind: 'restore', step: 'confirm', serverId: target.id, backupId: newest.id },
      { kind: 'restore', step: 'cancel', serverId: target.id, backupId: newest.id },
    ]);
  });
  it('what a pin, an unpin or a delete did', () => {
    const at = `<t:${Date.parse(newest.createdAt) / 1000}:f>`;
    expect(backupChangedSentence({ name: 'survival' }, newest, 'deleted')).toBe(
      `The backup of **survival** from ${at} was deleted.`,
    );
    expect(backupChangedSentence({ name: 'survival' }, newest, 'pinned')).toMatch(
      /is pinned: it is never pruned/,
    );
    expect(backupChangedSentence({ name: 'survival' }, newest, 'unpinned')).toMatch(/is no longer pinned\.$/);
  });
});

describe('backup refusals', () => {
  it("the API's own sentence where it fits Discord; backup words where it names settings or routes", () => {
    const pinned = `The backup ${newest.id} is pinned; unpin it before deleting it.`;
    expect(sentenceFor(new ApiError('invalid_state', pinned), BACKUP_WORDING)).toBe(pinned);
    const quota = new ApiError(
      'quota_exceeded',
      'This guild already keeps 3 backups, its limit of 3; delete or unpin old backups (or ask an admin to raise QUOTA_GUILD_BACKUPS / QUOTA_GUILD_BACKUP_GIB) first.',
    );
    expect(sentenceFor(quota, BACKUP_WORDING)).toBe(BACKUP_WORDING.quota_exceeded);
    expect(sentenceFor(quota)).toMatch(/server quota/);
    const missing = new ApiError(
      'not_found',
      `The server 'survival' has no backup ${newest.id}; list them with GET /v1/servers/srv_000000000001/backups.`,
    );
    expect(sentenceFor(missing, BACKUP_WORDING)).toMatch(/^That server or backup does not exist/);
  });
});

describe('backup routes', () => {
  it('each subcommand of the group, its autocomplete and its buttons are routed, in backup words', () => {
    for (const sub of ['now', 'list', 'restore', 'delete', 'pin']) {
      const route = COMMAND_ROUTES.get(`server backup ${sub}`);
      expect(route?.defer, sub).toBe('ephemeral');
      expect(route?.wording, sub).toBe(BACKUP_WORDING);
    }
    expect(COMMAND_ROUTES.get('server start')?.wording).toBeUndefined();
    expect(AUTOCOMPLETE_ROUTES.has('server backup')).toBe(true);
    expect(BUTTON_ROUTES.restore?.wording).toBe(BACKUP_WORDING);
  });
});
