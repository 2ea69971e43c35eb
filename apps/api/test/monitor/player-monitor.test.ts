// The player monitor over a whole stack: its BullMQ job scheduler fires every MONITOR_INTERVAL, a worker asks the
// game with the real query (OpenArena's getstatus, answered by a stand-in on 127.0.0.1 where the VM would be),
// and GET /v1/servers/:id shows players now, the peak today, the last player and whether the server is idle.
import type { Server } from '@guildserver/contracts';
import { fakeLuanti, fakeQuake3, type Quake3Status } from '@guildserver/game-query/testing';
import { describe, expect, it } from 'vitest';
import { client } from '../support/api-harness.js';
import { finished, runningServer, until, type WorkerStack } from '../support/worker-stack.js';
import { player, probeAt, useMonitoredStacks } from './monitored-stack.js';

const monitoredStack = useMonitoredStacks();

/** The server as shown once the monitor has checked it after `since`. */
const checkAfter = (s: WorkerStack, id: string, since: number) =>
  until('a check after the last', async () => {
    const v = (await s.admin<Server>('GET', `/v1/servers/${id}`)).body;
    return v.activity.checkedAt && Date.parse(v.activity.checkedAt) > since ? v : undefined;
  });

describe('the player monitor', () => {
  it('keeps who plays: now, the peak today, the last player, and idle after IDLE_SLEEP_AFTER without one', async () => {
    const status: Quake3Status = { info: { sv_hostname: 'arena', sv_maxclients: '12' }, players: [] };
    const game = await fakeQuake3(status);
    try {
      const s = await monitoredStack(
        { IDLE_SLEEP_AFTER: '3s' },
        probeAt(() => game.port),
      );
      const { id } = await runningServer(s, 'arena', 'openarena');
      const view = async () => (await s.admin<Server>('GET', `/v1/servers/${id}`)).body;

      status.players = [player('alice'), player('bob')];
      const playing = await until('two players seen', async () => {
        const v = await view();
        return v.players?.online === 2 ? v : undefined;
      });
      expect(playing.players).toEqual({ online: 2, max: 12 });
      expect(playing.activity).toMatchObject({ peakToday: 2, idleSince: null, idle: false });
      expect(playing.activity.lastPlayerAt).not.toBeNull();

      status.players = [player('alice')];
      const left = await until('one player left', async () => {
        const v = await view();
        return v.players?.online === 1 ? v : undefined;
      });
      expect(left.activity.peakToday).toBe(2);

      status.players = [];
      const empty = await until('nobody on', async () => {
        const v = await view();
        return v.players?.online === 0 ? v : undefined;
      });
      expect(empty.activity).toMatchObject({ peakToday: 2, idle: false });
      const lastSeen = empty.activity.lastPlayerAt!;
      expect(Date.parse(empty.activity.idleSince!)).toBeGreaterThan(Date.parse(lastSeen));

      const idle = await until('idle after 3 s without players', async () => {
        const v = await view();
        return v.activity.idle ? v : undefined;
      });
      expect(Date.now() - Date.parse(idle.activity.idleSince!)).toBeGreaterThanOrEqual(3_000);
      expect(idle.activity.lastPlayerAt).toBe(lastSeen);

      // Stopped: no count and no idle clock; who played last is kept.
      const stop = await s.admin<{ jobId: string }>('POST', `/v1/servers/${id}/stop`);
      expect((await finished(s, stop.body.jobId)).state).toBe('succeeded');
      const stopped = await view();
      expect(stopped.players).toBeNull();
      expect(stopped.activity).toMatchObject({ idleSince: null, idle: false, lastPlayerAt: lastSeen });
    } finally {
      await game.close();
    }
  });

  it('never calls a server idle on a count it did not get (Luanti before its first announce)', async () => {
    const game = await fakeLuanti();
    try {
      const s = await monitoredStack(
        { IDLE_SLEEP_AFTER: '1s' },
        probeAt(() => game.port),
      );
      const { id } = await runningServer(s, 'blocks', 'luanti');
      const checkedAfter = (since: number) => checkAfter(s, id, since);
      await checkedAfter(0);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const later = await checkedAfter(Date.now());
      expect(later.players).toBeNull();
      expect(later.activity).toMatchObject({ lastPlayerAt: null, idleSince: null, idle: false });
      // It was asked, over its own protocol, each time.
      expect(game.assigned.length).toBeGreaterThanOrEqual(2);
    } finally {
      await game.close();
    }
  });

  it('goes by what players send through the edge for a game that cannot count them', async () => {
    const game = await fakeLuanti();
    try {
      const s = await monitoredStack(
        { IDLE_SLEEP_AFTER: '1s' },
        probeAt(() => game.port),
      );
      const { id } = await runningServer(s, 'crowd', 'luanti');
      const edge = client(s.api.url, s.api.token(['edge'], 'edge'));
      const report = async (packets: number) =>
        expect(
          (
            await edge('PUT', '/v1/edge/status', {
              name: 'pve1',
              mode: 'nft',
              snat: 'never',
              appliedGeneration: null,
              forwarded: 0,
              refused: [],
              problem: null,
              traffic: [{ serverId: id, packets, bytes: packets * 60 }],
            })
          ).status,
        ).toBe(200);
      const checkedAfter = (since: number) => checkAfter(s, id, since);

      await report(100);
      await checkedAfter(Date.now()); // the first mark: nothing to compare with yet
      await new Promise((resolve) => setTimeout(resolve, 500));
      await report(100 + 2_000); // a player's traffic: thousands of packets a minute
      const playing = await checkedAfter(Date.now());
      expect(playing.players).toBeNull();
      expect(playing.activity).toMatchObject({ idleSince: null, idle: false });
      expect(playing.activity.lastPlayerAt).not.toBeNull();

      await report(100 + 2_000); // then nothing but noise
      const quiet = await checkedAfter(Date.now());
      expect(quiet.activity.idleSince).not.toBeNull();
      expect(quiet.activity.lastPlayerAt).toBe(playing.activity.lastPlayerAt);
      await until('idle after 1 s of quiet', async () => {
        await report(100 + 2_000);
        const v = (await s.admin<Server>('GET', `/v1/servers/${id}`)).body;
        return v.activity.idle ? v : undefined;
      });
    } finally {
      await game.close();
    }
  });
});
