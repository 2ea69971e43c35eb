import { EVENT_DATA, eventSchema } from '@guildserver/contracts';
import { describe, expect, it } from 'vitest';
import {
  type EventSubject,
  orphanEventRow,
  type ServerEvent,
  serverEventRow,
} from '../../src/domain/event-log.js';
import type { NewEvent } from '../../src/domain/events.js';

const server = {
  id: 'srv_000000000001',
  name: 'survival',
  guildId: '100000000000000001',
  ownerId: '200000000000000002',
  channelId: '300000000000000003',
};
const subject: EventSubject = { server, jobId: 'job_000000000001' };

/** Each event the API writes, and the sentence it wrote for it before the data was typed. */
const SERVER_EVENTS: [ServerEvent, string][] = [
  [
    {
      type: 'server.created',
      data: {
        game: 'minecraft-java',
        gameName: 'Minecraft: Java Edition',
        vmid: 10000,
        size: { cores: 2, memory: 4096, disk: 20 },
      },
    },
    "Server 'survival' (Minecraft: Java Edition) is being created.",
  ],
  [{ type: 'job.queued', data: { kind: 'create' } }, 'Create queued.'],
  [
    { type: 'job.queued', data: { kind: 'start', retryOf: 'job_000000000000' } },
    "Retrying the start of 'survival'.",
  ],
  [
    { type: 'server.state_changed', data: { from: 'stopped', to: 'starting' } },
    "Server 'survival' is starting.",
  ],
  [
    { type: 'server.state_changed', data: { from: 'starting', to: 'running' } },
    "Server 'survival' is running.",
  ],
  [
    { type: 'server.state_changed', data: { from: 'deleting', to: 'deleted' } },
    "Server 'survival' was deleted.",
  ],
  [
    { type: 'server.state_changed', data: { from: 'creating', to: 'failed', code: 'clone_failed' } },
    "Server 'survival' failed.",
  ],
  [
    { type: 'server.state_changed', data: { from: 'stopped', to: 'failed', reason: 'vm_missing' } },
    "Server 'survival' failed: its VM is missing.",
  ],
  [{ type: 'server.deleted', data: {} }, "Server 'survival' was deleted."],
  [{ type: 'job.started', data: { kind: 'restart' } }, "Restart of 'survival' started."],
  [{ type: 'job.succeeded', data: { kind: 'create' } }, "Create of 'survival' finished."],
  [
    {
      type: 'job.failed',
      data: {
        kind: 'create',
        step: 'clone',
        code: 'clone_failed',
        reason: 'Cloning template 9000 failed: full.',
      },
    },
    "Create of 'survival' failed: Cloning template 9000 failed: full.",
  ],
  [
    { type: 'step.started', data: { step: 'clone', position: 1, title: 'Cloning the template', attempt: 2 } },
    'Cloning the template…',
  ],
  [
    {
      type: 'step.progress',
      data: { step: 'clone', position: 1, note: 'Proxmox is busy. Trying again shortly.', retrying: true },
    },
    'Proxmox is busy. Trying again shortly.',
  ],
  [
    {
      type: 'step.succeeded',
      data: {
        step: 'clone',
        position: 1,
        title: 'Cloning the template',
        detail: 'VM 10000 cloned.',
        durationMs: 5,
      },
    },
    'Cloning the template: VM 10000 cloned.',
  ],
  [
    {
      type: 'step.failed',
      data: {
        step: 'clone',
        position: 1,
        title: 'Cloning the template',
        code: 'clone_failed',
        reason: 'full.',
      },
    },
    'Cloning the template failed: full.',
  ],
  [
    { type: 'server.drift', data: { reason: 'vm_missing', vmid: 10000 } },
    "The VM 10000 of 'survival' is gone from Proxmox; it was removed outside GuildServer.",
  ],
  [
    { type: 'server.drift', data: { reason: 'vm_missing', vmid: null } },
    "The VM of 'survival' is gone from Proxmox; it was removed outside GuildServer.",
  ],
  [
    {
      type: 'server.drift',
      data: { reason: 'power_state', vmid: 10000, expected: 'stopped', actual: 'running' },
    },
    "VM 10000 of 'survival' is running but GuildServer had it stopped: it was started outside GuildServer.",
  ],
  [
    { type: 'server.drift', data: { reason: 'node_moved', vmid: 10000, from: null, to: 'pve2' } },
    "VM 10000 of 'survival' moved from no node to pve2.",
  ],
];

/** The row as the API serves it: what clients parse. */
const served = (row: NewEvent) => ({
  id: 1,
  serverId: null,
  jobId: null,
  guildId: null,
  ownerId: null,
  channelId: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...row,
});

describe('event log', () => {
  it.each(SERVER_EVENTS.map(([event, sentence]) => [sentence, event] as const))(
    'says "%s" from the data alone',
    (sentence, event) => {
      const row = serverEventRow(subject, event);
      expect(row.message).toBe(sentence);
      expect(row.data).toEqual({ serverName: 'survival', ...event.data });
      expect(EVENT_DATA[event.type].safeParse(row.data).error).toBeUndefined();
      expect(eventSchema.safeParse(served(row)).error).toBeUndefined();
    },
  );

  it('puts the subject in the envelope', () => {
    expect(serverEventRow(subject, { type: 'job.started', data: { kind: 'create' } })).toMatchObject({
      serverId: server.id,
      jobId: 'job_000000000001',
      guildId: server.guildId,
      ownerId: server.ownerId,
      channelId: server.channelId,
    });
    expect(serverEventRow({ server }, { type: 'server.deleted', data: {} }).jobId).toBeNull();
  });

  it('describes orphan VMs, which belong to no server', () => {
    const reported = orphanEventRow({
      reason: 'orphan_vm',
      vmid: 10009,
      node: 'pve',
      taggedServerId: null,
      name: 'vm-10009',
      destroyAfterSeconds: 600,
    });
    expect(reported.message).toBe(
      'VM 10009 on pve carries the guildserver tag but no server owns it; it will be destroyed after 600 s.',
    );
    expect(reported.serverId).toBeUndefined();
    const reportedOnly = orphanEventRow({
      reason: 'orphan_vm',
      vmid: 10009,
      node: 'pve',
      taggedServerId: null,
      name: null,
      destroyAfterSeconds: null,
    });
    expect(reportedOnly.message).toBe('VM 10009 on pve carries the guildserver tag but no server owns it.');
    const destroyed = orphanEventRow({
      reason: 'orphan_destroyed',
      vmid: 10009,
      node: 'pve',
      taggedServerId: 'srv_gone00000000',
      ageSeconds: 61,
    });
    expect(destroyed.message).toBe(
      'Destroyed VM 10009 on pve: tagged guildserver but no server owned it for 61 s.',
    );
    for (const row of [reported, reportedOnly, destroyed]) {
      expect(eventSchema.safeParse(served(row)).error).toBeUndefined();
    }
  });
});
