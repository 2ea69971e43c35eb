import type { EventType, GuildEvent, Job, Server } from '@guildserver/contracts';
import type { TrackedInteraction } from '../../src/state/bot-state.js';

export const GUILD = '100000000000000001';
export const ALICE = '200000000000000001';
export const BOB = '200000000000000002';
export const CHANNEL = '300000000000000001';

let n = 0;
export function server(overrides: Partial<Server> = {}): Server {
  n++;
  return {
    id: `srv_${String(n).padStart(12, '0')}`,
    name: `world-${n}`,
    game: 'minecraft-java',
    guildId: GUILD,
    ownerId: ALICE,
    channelId: CHANNEL,
    state: 'running',
    size: { cores: 2, memory: 4096, disk: 20 },
    vmid: 10000 + n,
    node: 'pve',
    ipv4: '10.0.0.5',
    address: 'play.example.net:20001',
    publication: 'published',
    ports: [{ purpose: 'game', protocol: 'tcp', port: 20001, guestPort: 25565 }],
    players: { online: 0, max: 20 },
    activity: { checkedAt: null, peakToday: null, lastPlayerAt: null, idleSince: null, idle: false },
    sleep: { afterMs: 1_800_000, setBy: 'default', capped: false, wakeSeconds: null },
    failure: null,
    currentJobId: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function job(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job_1',
    serverId: 'srv_000000000001',
    kind: 'create',
    state: 'running',
    steps: [
      {
        name: 'clone',
        title: 'Cloning the template',
        state: 'succeeded',
        startedAt: null,
        finishedAt: null,
        durationMs: 1200,
        detail: null,
        error: null,
      },
      {
        name: 'start_vm',
        title: 'Starting the VM',
        state: 'running',
        startedAt: null,
        finishedAt: null,
        durationMs: null,
        detail: null,
        error: null,
      },
      {
        name: 'wait_game',
        title: 'Waiting for the game to answer',
        state: 'pending',
        startedAt: null,
        finishedAt: null,
        durationMs: null,
        detail: null,
        error: null,
      },
    ],
    error: null,
    log: null,
    route: 'install',
    expectedSeconds: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

/** An event for the routing rules, which read its type, its ids and little of its data. */
export function event(
  overrides: Partial<Omit<GuildEvent, 'type' | 'data'>> & { type?: EventType; data?: object } = {},
): GuildEvent {
  return {
    id: 1,
    type: 'step.started',
    serverId: 'srv_000000000001',
    jobId: 'job_1',
    guildId: GUILD,
    ownerId: ALICE,
    channelId: CHANNEL,
    message: 'Cloning the template…',
    data: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  } as GuildEvent;
}

export function tracked(overrides: Partial<TrackedInteraction> = {}): TrackedInteraction {
  return {
    jobId: 'job_1',
    serverId: 'srv_000000000001',
    serverName: 'survival',
    kind: 'create',
    applicationId: '400000000000000001',
    token: 'tok',
    receivedAt: 1_000_000,
    userId: BOB,
    guildId: GUILD,
    channelId: CHANNEL,
    origin: 'command',
    expired: false,
    ...overrides,
  };
}
