// /server backup undelete: the deleted servers the bot remembers from the event stream, what autocomplete
// offers of them, and the delete's notice saying how to undo it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient } from '@guildserver/api-client';
import { eventSchema, type GuildEvent, type JobStep } from '@guildserver/contracts';
import type { REST } from 'discord.js';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  deletedServerCandidates,
  deletedServerChoice,
} from '../../src/handlers/autocomplete/deleted-server.js';
import { Notifier } from '../../src/notices/notifier.js';
import { isJobOutcome } from '../../src/notices/routing.js';
import { jobNotice } from '../../src/rendering/notices.js';
import { deleteMadeFinalBackup, jobView, UNDELETE_HINT } from '../../src/rendering/views.js';
import { BotState, type DeletedServer } from '../../src/state/bot-state.js';
import { ALICE, BOB, CHANNEL, GUILD, job } from './fixtures.js';

const dirs: string[] = [];
const statePath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-undelete-'));
  dirs.push(dir);
  return join(dir, 'state.json');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;
const deleted = (overrides: Partial<DeletedServer> = {}): DeletedServer => ({
  serverId: 'srv_000000000001',
  serverName: 'survival',
  guildId: GUILD,
  ownerId: ALICE,
  deletedAt: Date.parse('2026-12-03T21:05:00Z'),
  ...overrides,
});

const step = (detail: string | null, state: JobStep['state'] = 'succeeded'): JobStep => ({
  name: 'backup_vm',
  title: 'Making the final backup',
  state,
  startedAt: null,
  finishedAt: null,
  durationMs: 1000,
  detail,
  error: null,
});

function streamed(id: number, type: string, data: object, serverId = 'srv_000000000001'): GuildEvent {
  return eventSchema.parse({
    id,
    type,
    serverId,
    jobId: null,
    guildId: GUILD,
    ownerId: ALICE,
    channelId: CHANNEL,
    message: '',
    data,
    createdAt: '2026-12-03T21:05:00.000Z',
  });
}

describe('deleted servers offered to undelete', () => {
  const list = [deleted(), deleted({ serverId: 'srv_000000000002', serverName: 'creative', ownerId: BOB })];

  it('the user’s own (every one for an admin), by name typed or id', () => {
    const names = (asker: { admin: boolean; userId: string }, typed: string) =>
      deletedServerCandidates(list, asker, typed).map((d) => d.serverName);
    expect(names({ admin: false, userId: ALICE }, '')).toEqual(['survival']);
    expect(names({ admin: true, userId: ALICE }, '')).toEqual(['survival', 'creative']);
    expect(names({ admin: true, userId: ALICE }, ' CREA')).toEqual(['creative']);
    expect(names({ admin: true, userId: ALICE }, 'srv_000000000001')).toEqual(['survival']);
    expect(names({ admin: false, userId: BOB }, 'survival')).toEqual([]);
  });

  it('named with when it was deleted (UTC); the value is the server id', () => {
    expect(deletedServerChoice(deleted())).toEqual({
      name: 'survival · deleted 2026-12-03 21:05 UTC',
      value: 'srv_000000000001',
    });
  });
});

describe('the bot state remembers deletes', () => {
  it('from the event stream: a delete is remembered, a server brought back forgotten', async () => {
    const state = BotState.load(statePath());
    const notifier = new Notifier({
      api: {} as ApiClient,
      rest: {} as REST,
      state,
      logger: pino({ level: 'silent' }),
      hostExternal: 'play.example.net',
    });
    await notifier.handle(streamed(1, 'server.deleted', { serverName: 'survival' }));
    await notifier.handle(streamed(2, 'server.deleted', { serverName: 'creative' }, 'srv_000000000002'));
    expect(
      notifier
        .deletedServers(GUILD)
        .map((d) => d.serverName)
        .sort(),
    ).toEqual(['creative', 'survival']);
    expect(notifier.deletedServers('another-guild')).toEqual([]);
    await notifier.handle(
      streamed(3, 'server.state_changed', { serverName: 'survival', from: 'deleted', to: 'restoring' }),
    );
    expect(notifier.deletedServers(GUILD).map((d) => d.serverName)).toEqual(['creative']);
  });

  it('across restarts, newest first, for 90 days; a file from before has none', async () => {
    const path = statePath();
    const state = BotState.load(path);
    const now = Date.parse('2026-12-10T00:00:00Z');
    state.rememberDeleted(deleted({ deletedAt: now - 2 * DAY }));
    state.rememberDeleted(
      deleted({ serverId: 'srv_000000000002', serverName: 'newer', deletedAt: now - DAY }),
    );
    state.rememberDeleted(
      deleted({ serverId: 'srv_000000000003', serverName: 'old', deletedAt: now - 91 * DAY }),
    );
    state.prune(now);
    await state.flush();
    expect(
      BotState.load(path)
        .deletedServers(GUILD)
        .map((d) => d.serverName),
    ).toEqual(['newer', 'survival']);

    const older = statePath();
    writeFileSync(older, JSON.stringify({ version: 1, cursor: 7, tracked: {} }));
    expect(BotState.load(older).deletedServers(GUILD)).toEqual([]);
  });
});

describe('a delete’s notice says how to undo it', () => {
  const done = job({
    kind: 'delete',
    state: 'succeeded',
    steps: [step('Backed up to backup:backup/vzdump-qemu-10001-2026_12_03-21_05_00.vma.zst (1.2 GiB).')],
  });

  it('when its backup_vm step made the final backup', () => {
    expect(deleteMadeFinalBackup(done)).toBe(true);
    expect(deleteMadeFinalBackup({ ...done, steps: [step(null, 'skipped')] })).toBe(false);
    expect(deleteMadeFinalBackup({ ...done, steps: [] })).toBe(false);
    expect(deleteMadeFinalBackup({ ...done, state: 'failed' })).toBe(false);
    expect(deleteMadeFinalBackup({ ...done, kind: 'backup' })).toBe(false);
  });

  it('in the progress message and in the notice', () => {
    expect(jobView(done, undefined, 'survival', 'play.example.net').embeds[0]?.description).toContain(
      UNDELETE_HINT,
    );
    expect(
      jobView({ ...done, steps: [step(null, 'skipped')] }, undefined, 'survival', 'play.example.net')
        .embeds[0]?.description,
    ).not.toContain('undelete');
    const event = streamed(4, 'job.succeeded', { serverName: 'survival', kind: 'delete' });
    if (!isJobOutcome(event)) throw new Error('not an outcome');
    const facts = { server: undefined, tracked: { serverName: 'survival' }, hostExternal: 'x' };
    expect(jobNotice(event, { ...facts, undoable: true, by: ALICE })).toBe(
      `**survival** was deleted. It can be brought back with \`/server backup undelete\` while its final backup is kept. (by <@${ALICE}>)`,
    );
    expect(jobNotice(event, facts)).toBe('**survival** was deleted.');
  });
});
