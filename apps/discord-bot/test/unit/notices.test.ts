// Notices rendered from an event's data — the typed events of today, and those written before the data was
// typed, which a bot's cursor may still point at.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient } from '@guildserver/api-client';
import { eventSchema, type GuildEvent } from '@guildserver/contracts';
import type { REST } from 'discord.js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Notifier } from '../../src/notices/notifier.js';
import { isAnnouncedDrift, isJobOutcome } from '../../src/notices/routing.js';
import { driftNotice, jobNotice } from '../../src/rendering/notices.js';
import { BotState } from '../../src/state/bot-state.js';
import { ALICE, CHANNEL, GUILD, job, server } from './fixtures.js';

/** An event as the stream serves it, parsed the way the bot parses it. */
function streamed(type: string, message: string, data: object): GuildEvent {
  return eventSchema.parse({
    id: 41,
    type,
    serverId: 'srv_000000000001',
    jobId: 'job_1',
    guildId: GUILD,
    ownerId: ALICE,
    channelId: CHANNEL,
    message,
    data,
    createdAt: '2026-01-01T00:00:00.000Z',
  });
}

function outcome(event: GuildEvent) {
  if (!isJobOutcome(event)) throw new Error(`${event.type} is not a job's outcome`);
  return event;
}
function drift(event: GuildEvent) {
  if (!isAnnouncedDrift(event)) throw new Error('not an announced drift');
  return event;
}

const hostExternal = 'play.example.net';

describe('job notices', () => {
  it('come from the typed data: name, kind and reason', () => {
    const failed = streamed('job.failed', "Create of 'survival' failed: Cloning failed: storage full.", {
      serverName: 'survival',
      kind: 'create',
      step: 'clone',
      code: 'clone_failed',
      reason: 'Cloning failed: storage full.',
    });
    expect(jobNotice(outcome(failed), { server: undefined, tracked: undefined, hostExternal })).toBe(
      'Create of **survival** failed. Cloning failed: storage full. (changed outside Discord)',
    );
    const deleted = streamed('job.succeeded', "Delete of 'survival' finished.", {
      serverName: 'survival',
      kind: 'delete',
    });
    expect(
      jobNotice(outcome(deleted), {
        server: undefined,
        tracked: { serverName: 'survival' },
        hostExternal,
        by: ALICE,
      }),
    ).toBe(`**survival** was deleted. (by <@${ALICE}>)`);
  });

  it('of events written before the data was typed: the name and the reason come from the API', () => {
    const old = outcome(
      streamed('job.failed', "Create of 'survival' failed: Cloning failed: storage full.", {
        step: 'clone',
        code: 'clone_failed',
        kind: 'create',
      }),
    );
    const found = server({ name: 'survival', state: 'failed' });
    expect(
      jobNotice(old, {
        server: found,
        tracked: undefined,
        hostExternal,
        failure: 'Cloning failed: storage full.',
      }),
    ).toBe('Create of **survival** failed. Cloning failed: storage full. (changed outside Discord)');
    // Nothing to look up (a deleted server, an unreachable API): still a notice.
    const succeeded = outcome(
      streamed('job.succeeded', "Delete of 'survival' finished.", { kind: 'delete' }),
    );
    expect(jobNotice(succeeded, { server: undefined, tracked: undefined, hostExternal })).toBe(
      '**Your server** was deleted. (changed outside Discord)',
    );
  });
});

describe('drift notices', () => {
  it('come from the typed data, old events included', () => {
    const missing = drift(
      streamed(
        'server.drift',
        "The VM 10000 of 'survival' is gone from Proxmox; it was removed outside GuildServer.",
        {
          reason: 'vm_missing',
          vmid: 10000,
          serverName: 'survival',
        },
      ),
    );
    expect(driftNotice(missing, undefined)).toBe(
      '**survival** lost its VM: it was removed outside GuildServer. `/server delete` cleans it up.',
    );
    const oldPower = drift(
      streamed(
        'server.drift',
        "VM 10000 of 'survival' is running but GuildServer had it stopped: it was started outside GuildServer.",
        { reason: 'power_state', vmid: 10000, expected: 'stopped', actual: 'running' },
      ),
    );
    expect(driftNotice(oldPower, server({ name: 'survival' }))).toBe(
      '**survival** was started outside GuildServer; it is running now.',
    );
    expect(driftNotice(oldPower, undefined)).toBe(
      '**Your server** was started outside GuildServer; it is running now.',
    );
  });
});

describe('the notifier with an event written before the data was typed', () => {
  it('asks the job why it failed and posts the notice to the owner', async () => {
    const posts: { content: string }[] = [];
    const rest = {
      post: async (_route: string, options: { body: { content: string } }) => {
        posts.push(options.body);
        return { id: '1' };
      },
    } as unknown as REST;
    const api = {
      getServer: async () => server({ name: 'survival', state: 'failed', address: null }),
      job: async () =>
        job({
          state: 'failed',
          error: { code: 'clone_failed', message: 'Cloning failed: storage full.', step: 'clone' },
        }),
    } as unknown as ApiClient;
    const state = BotState.load(join(mkdtempSync(join(tmpdir(), 'gs-notices-')), 'state.json'));
    const notifier = new Notifier({ api, rest, state, logger: pino({ level: 'silent' }), hostExternal });
    await notifier.handle(
      streamed('job.failed', "Create of 'survival' failed: Cloning failed: storage full.", {
        step: 'clone',
        code: 'clone_failed',
        kind: 'create',
      }),
    );
    expect(posts.map((p) => p.content)).toEqual([
      `<@${ALICE}> Create of **survival** failed. Cloning failed: storage full. (changed outside Discord)`,
    ]);
  });
});
