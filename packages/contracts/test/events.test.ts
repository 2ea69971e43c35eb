import { describe, expect, it } from 'vitest';
import { EVENT_DATA, EVENT_TYPES, eventSchema } from '../src/index';

const envelope = {
  id: 7,
  serverId: 'srv_000000000001',
  jobId: 'job_000000000001',
  guildId: '100000000000000001',
  ownerId: '200000000000000002',
  channelId: '300000000000000003',
  createdAt: '2026-01-01T00:00:00.000Z',
};

/** What the API wrote before event data was typed (one of each shape its writers produced). */
const OLD_EVENTS = [
  {
    type: 'server.created',
    message: "Server 'survival' (Minecraft: Java Edition) is being created.",
    data: { game: 'minecraft-java', vmid: 10000, size: { cores: 2, memory: 4096, disk: 20 } },
  },
  { type: 'job.queued', message: 'Create queued.', data: { kind: 'create' } },
  {
    type: 'job.queued',
    message: "Retrying the create of 'survival'.",
    data: { kind: 'create', retryOf: 'job_000000000000' },
  },
  {
    type: 'server.state_changed',
    message: "Server 'survival' is starting.",
    data: { from: 'stopped', to: 'starting' },
  },
  {
    type: 'server.state_changed',
    message: "Server 'survival' failed.",
    data: { from: 'creating', to: 'failed', code: 'clone_failed' },
  },
  { type: 'server.deleted', message: "Server 'survival' was deleted.", data: {} },
  { type: 'job.started', message: "Create of 'survival' started.", data: { kind: 'create' } },
  { type: 'job.succeeded', message: "Create of 'survival' finished.", data: { kind: 'create' } },
  {
    type: 'job.failed',
    message: "Create of 'survival' failed: Cloning template 9000 failed: storage full.",
    data: { step: 'clone', code: 'clone_failed', kind: 'create' },
  },
  {
    type: 'job.failed',
    message: "Delete of 'survival' failed: The job stopped.",
    data: { step: null, code: 'internal', kind: 'delete' },
  },
  {
    type: 'step.started',
    message: 'Cloning the template…',
    data: { step: 'clone', position: 1, title: 'Cloning the template', attempt: 1 },
  },
  {
    type: 'step.progress',
    message: 'Proxmox did not answer. Trying again shortly.',
    data: { retrying: true, code: 'proxmox_unreachable', step: 'clone', position: 1 },
  },
  {
    type: 'step.progress',
    message: 'VM id 10000 holds a VM GuildServer did not make; using 10001 instead.',
    data: { from: 10000, to: 10001, step: 'verify_vmid', position: 0 },
  },
  {
    type: 'step.succeeded',
    message: 'Cloning the template: VM 10000 cloned.',
    data: { step: 'clone', position: 1, detail: 'VM 10000 cloned.', durationMs: 1200 },
  },
  {
    type: 'step.failed',
    message: 'Cloning the template failed: storage full.',
    data: { step: 'clone', code: 'clone_failed', position: 1, durationMs: 800 },
  },
  {
    type: 'server.drift',
    message: "The VM 10000 of 'survival' is gone from Proxmox; it was removed outside GuildServer.",
    data: { reason: 'vm_missing', vmid: 10000 },
  },
  {
    type: 'server.drift',
    message:
      "VM 10000 of 'survival' is stopped but GuildServer had it running: it was stopped outside GuildServer.",
    data: { reason: 'power_state', vmid: 10000, expected: 'running', actual: 'stopped' },
  },
  {
    type: 'server.drift',
    message: "VM 10000 of 'survival' moved from pve to pve2.",
    data: { reason: 'node_moved', vmid: 10000, from: 'pve', to: 'pve2' },
  },
  {
    type: 'server.drift',
    message: 'VM 10009 on pve carries the guildserver tag but no server owns it.',
    data: { reason: 'orphan_vm', vmid: 10009, node: 'pve', taggedServerId: null, name: 'vm-10009' },
  },
  {
    type: 'server.drift',
    message: 'Destroyed VM 10009 on pve: tagged guildserver but no server owned it for 61 s.',
    data: { reason: 'orphan_destroyed', vmid: 10009, node: 'pve', taggedServerId: 'srv_gone00000000' },
  },
];

describe('events', () => {
  it('describe the data of every type, and the stream accepts every type', () => {
    expect(Object.keys(EVENT_DATA).sort()).toEqual([...EVENT_TYPES].sort());
    expect(eventSchema.options.map((option) => option.shape.type.value).sort()).toEqual(
      [...EVENT_TYPES].sort(),
    );
  });

  it.each(OLD_EVENTS.map((e) => [`${e.type} ${JSON.stringify(e.data)}`, e] as const))(
    'written before data was typed still parse: %s',
    (_, old) => {
      const parsed = eventSchema.safeParse({ ...envelope, ...old });
      expect(parsed.error).toBeUndefined();
      expect(parsed.data).toEqual({ ...envelope, ...old });
    },
  );

  it('parse with their typed data, and refuse data that is not', () => {
    const failed = {
      ...envelope,
      type: 'job.failed',
      message: "Create of 'survival' failed: storage full.",
      data: {
        serverName: 'survival',
        kind: 'create',
        step: 'clone',
        code: 'clone_failed',
        reason: 'storage full.',
      },
    };
    const parsed = eventSchema.parse(failed);
    expect(parsed.type === 'job.failed' && parsed.data.reason).toBe('storage full.');
    expect(eventSchema.safeParse({ ...failed, data: { ...failed.data, kind: 'explode' } }).success).toBe(
      false,
    );
    expect(eventSchema.safeParse({ ...failed, type: 'job.exploded' }).success).toBe(false);
    expect(
      eventSchema.safeParse({ ...envelope, type: 'server.drift', message: '', data: { reason: 'gremlins' } })
        .success,
    ).toBe(false);
  });
});
