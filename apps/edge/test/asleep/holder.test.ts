// The asleep holder with real sockets on 127.0.0.1: real clients (gamedig, a Minecraft login, a Quake 3
// client) read a sleeping server's status through it and wake it once however often they retry; ports it
// cannot bind are reported and the others still held; ports the table no longer lists are free again.

import { connect } from 'node:net';
import type { AsleepEntry } from '@guildserver/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type AsleepHolder,
  type AsleepHolderOptions,
  createAsleepHolder,
  type JoinAttempt,
} from '../../src/asleep/holder.js';
import { notHeldInNetns } from '../../src/asleep/not-held.js';
import { toAscii } from '../../src/asleep/text.js';
import { asleepEntry, memoryLog } from '../support/fakes.js';
import { canBind, freePort, minecraftLogin, occupy, udpClient } from './support/clients.js';
import { gamedig } from './support/gamedig.js';
import { MINECRAFT_JOIN, QUAKE3_GETCHALLENGE, quake3 } from './support/packets.js';

const WAIT = { timeout: 5_000, interval: 5 };

const holders: AsleepHolder[] = [];
afterEach(async () => {
  for (const holder of holders.splice(0)) await holder.close();
});

function hold(overrides: Partial<AsleepHolderOptions> = {}) {
  const joins: JoinAttempt[] = [];
  const log = memoryLog();
  const holder = createAsleepHolder({
    bindAddress: '127.0.0.1',
    onJoin: (attempt) => joins.push(attempt),
    log,
    ...overrides,
  });
  holders.push(holder);
  return { holder, joins, log };
}

/** survival asleep as an OpenArena server on `publishedPort` (UDP). */
const openArena = (publishedPort: number): AsleepEntry =>
  asleepEntry(publishedPort, {
    game: 'openarena',
    ports: [{ purpose: 'game', index: 1, protocol: 'udp', publishedPort }],
  });

describe('the asleep holder', () => {
  it('answers gamedig with a sleeping Minecraft server’s status line, and is not woken by it', async () => {
    const { holder, joins } = hold();
    const port = await freePort('tcp');
    const entry = asleepEntry(port);
    expect(await holder.sync([entry])).toEqual({ held: 1, problems: [] });
    expect([...holder.ownPorts()]).toEqual([`tcp/${port}`]);
    const result = await gamedig('minecraft', port);
    expect(result.name).toBe(entry.status);
    expect(result.numplayers).toBe(0);
    expect(result.maxplayers).toBe(20);
    expect(joins).toEqual([]);
  });

  it('asks to wake a Minecraft server once for five logins within a second, and tells each player why they wait', async () => {
    const { holder, joins, log } = hold();
    const port = await freePort('tcp');
    await holder.sync([asleepEntry(port)]);
    const answers = await Promise.all(Array.from({ length: 5 }, () => minecraftLogin(port)));
    for (const answer of answers) {
      expect(answer).toContain('survival is waking up — join again in about 35 s');
    }
    expect(joins).toEqual([
      {
        serverId: 'srv_survival0001',
        serverName: 'survival',
        source: '127.0.0.1',
        protocol: 'tcp',
        publishedPort: port,
      },
    ]);
    expect(log.messages('info')).toEqual([
      `A player at 127.0.0.1 is joining survival (tcp/${port}) while it sleeps.`,
    ]);
  });

  it('answers OpenArena’s getstatus (gamedig), and asks to wake it once for repeated getchallenges', async () => {
    const { holder, joins } = hold();
    const port = await freePort('udp');
    expect(await holder.sync([openArena(port)])).toEqual({ held: 1, problems: [] });
    const result = await gamedig('openarena', port);
    expect(result.name).toBe(toAscii(asleepEntry(port).status));
    expect(Number(result.maxplayers)).toBe(20);
    expect(joins).toEqual([]);

    const client = await udpClient(port);
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        expect(await client.ask(QUAKE3_GETCHALLENGE)).toEqual([
          `\xff\xff\xff\xffprint\n${toAscii('survival is waking up — join again in about 35 s')}\n`,
        ]);
      }
    } finally {
      client.close();
    }
    expect(joins).toEqual([
      expect.objectContaining({ serverId: 'srv_survival0001', protocol: 'udp', publishedPort: port }),
    ]);
  });

  it('answers an OpenTTD server list with the revision the game last reported, so a 13.0 client may join', async () => {
    const { holder, joins } = hold();
    const port = await freePort('tcp');
    const entry = asleepEntry(port, { game: 'openttd', version: '13.0' });
    expect(await holder.sync([entry])).toEqual({ held: 1, problems: [] });
    const result = await gamedig('openttd', port);
    expect(result.name).toBe(entry.status);
    // OpenTTD offers a join only to a client of this exact revision (IsNetworkCompatibleVersion).
    expect(result.version).toBe('13.0');
    expect(joins).toEqual([]);
  });

  it('reports a port it cannot bind, naming the port and its server, logs it once, and holds the others', async () => {
    const { holder, log } = hold();
    const taken = await freePort('tcp');
    const free = await freePort('udp');
    const occupant = await occupy('tcp', taken);
    try {
      const entries = [
        asleepEntry(taken),
        { ...openArena(free), serverId: 'srv_arena0000001', serverName: 'arena' },
      ];
      const sentence = `tcp/${taken} of survival, asleep, is not answered: something else on the edge host listens on it (EADDRINUSE), so players there neither see survival asleep nor wake it by joining.`;
      expect(await holder.sync(entries)).toEqual({ held: 1, problems: [sentence] });
      expect([...holder.ownPorts()]).toEqual([`udp/${free}`]);
      expect((await gamedig('openarena', free)).name).toContain('asleep');
      expect(await holder.sync(entries)).toEqual({ held: 1, problems: [sentence] });
      expect(log.messages('warn')).toEqual([sentence]);
      // Once the other service is gone, the next sync holds the port.
      await occupant.close();
      expect(await holder.sync(entries)).toEqual({ held: 2, problems: [] });
    } finally {
      await occupant.close().catch(() => {});
    }
  });

  it('releases the ports the entries no longer list, before sync resolves: a new socket can bind them', async () => {
    const { holder } = hold();
    const tcp = await freePort('tcp');
    const udp = await freePort('udp');
    await holder.sync([asleepEntry(tcp), { ...openArena(udp), serverId: 'srv_arena0000001' }]);
    expect(await canBind('tcp', tcp)).toBe(false);
    expect(await canBind('udp', udp)).toBe(false);
    expect(await holder.sync([asleepEntry(tcp)])).toEqual({ held: 1, problems: [] });
    expect(await canBind('udp', udp)).toBe(true);
    expect(await holder.sync([])).toEqual({ held: 0, problems: [] });
    expect(holder.ownPorts().size).toBe(0);
    expect(await canBind('tcp', tcp)).toBe(true);
  });

  it('answers for the new server at once when a port moves to another server, or a server’s words change', async () => {
    const { holder, joins } = hold();
    const port = await freePort('tcp');
    await holder.sync([asleepEntry(port)]);
    await holder.sync([
      asleepEntry(port, {
        serverId: 'srv_creative0001',
        serverName: 'creative',
        status: 'creative is asleep — join to wake it',
        joinMessage: 'creative is waking up',
      }),
    ]);
    expect((await gamedig('minecraft', port)).name).toBe('creative is asleep — join to wake it');
    expect(await minecraftLogin(port)).toContain('creative is waking up');
    expect(joins).toEqual([
      expect.objectContaining({ serverId: 'srv_creative0001', serverName: 'creative' }),
    ]);
  });

  it('leaves a port silent that no responder answers (RCON), and says when a game is unknown', async () => {
    const { holder } = hold();
    const rcon = await freePort('tcp');
    const entries = [
      asleepEntry(rcon, { ports: [{ purpose: 'rcon', index: 1, protocol: 'tcp', publishedPort: rcon }] }),
      asleepEntry(rcon + 1, { serverId: 'srv_future000001', serverName: 'future', game: 'tetris' }),
    ];
    expect(await holder.sync(entries)).toEqual({
      held: 0,
      problems: [
        'future sleeps, but its game "tetris" is unknown to this edge (older than the API?), so its ports are not answered until it wakes.',
      ],
    });
    expect(await canBind('tcp', rcon)).toBe(true);
  });

  it('drops UDP replies beyond the per-source budget until the next second', async () => {
    let clock = 1_000_000;
    const { holder, joins } = hold({ repliesPerSecond: 3, now: () => clock });
    const port = await freePort('udp');
    await holder.sync([openArena(port)]);
    const client = await udpClient(port);
    try {
      for (let query = 0; query < 5; query++) await client.send(quake3('getstatus'));
      // The holder handles one sender's datagrams in order: once it has seen this join, it has judged the five.
      await client.send(QUAKE3_GETCHALLENGE);
      await vi.waitFor(() => expect(joins).toHaveLength(1), WAIT);
      clock += 1_000;
      await client.ask(quake3('getstatus'));
      expect(client.received.map((reply) => reply.split('\n')[0])).toEqual(
        Array(4).fill('\xff\xff\xff\xffstatusResponse'),
      );
    } finally {
      client.close();
    }
  });

  /** Connects to `port`, writes `bytes` if given, and resolves with what came back once the holder closed it. */
  const untilClosed = (port: number, bytes?: Buffer) =>
    new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      const parts: Buffer[] = [];
      socket.on('data', (data) => parts.push(data));
      socket.on('error', () => {});
      if (bytes) socket.once('connect', () => socket.write(bytes));
      socket.once('close', () => resolve(Buffer.concat(parts).toString('utf8')));
    });

  it('drops a connection that stays silent past the idle timeout', async () => {
    const { holder } = hold({ tcpLimits: { idleMs: 50 } });
    const port = await freePort('tcp');
    await holder.sync([asleepEntry(port)]);
    expect(await untilClosed(port)).toBe('');
  });

  it('drops a connection that sends more than the byte cap without a verdict', async () => {
    const { holder } = hold({ tcpLimits: { maxBytes: 64 } });
    const port = await freePort('tcp');
    await holder.sync([asleepEntry(port)]);
    // A frame announcing 2048 bytes: the responder waits for more, the cap ends it first.
    expect(await untilClosed(port, Buffer.concat([Buffer.from([0x80, 0x10]), Buffer.alloc(100)]))).toBe('');
  });

  it('refuses connections beyond the cap per port', async () => {
    const { holder, joins } = hold({ tcpLimits: { maxConnections: 1 } });
    const port = await freePort('tcp');
    await holder.sync([asleepEntry(port)]);
    const first = connect(port, '127.0.0.1');
    first.on('error', () => {});
    await new Promise((resolve) => first.once('connect', resolve));
    try {
      // Connected by the kernel, then dropped by the holder without a word: no disconnect message, no wake.
      expect(await untilClosed(port, MINECRAFT_JOIN)).toBe('');
      expect(joins).toEqual([]);
    } finally {
      first.destroy();
    }
  });

  it('holds nothing once closed', async () => {
    const { holder } = hold();
    const port = await freePort('tcp');
    await holder.sync([asleepEntry(port)]);
    await holder.close();
    expect(await canBind('tcp', port)).toBe(true);
    expect(await holder.sync([asleepEntry(port)])).toEqual({ held: 0, problems: [] });
  });
});

describe('with EDGE_NETNS', () => {
  it('holds nothing, says why only while a server sleeps, and logs it once', async () => {
    const log = memoryLog();
    const holder = notHeldInNetns('lab-edge', log);
    expect(await holder.sync([])).toEqual({ held: 0, problems: [] });
    const sentence =
      "Sleeping servers' ports are not answered when EDGE_NETNS is set (yet): the edge's own sockets would listen outside the network namespace lab-edge.";
    expect(await holder.sync([asleepEntry(20_000)])).toEqual({ held: 0, problems: [sentence] });
    expect(await holder.sync([asleepEntry(20_000)])).toEqual({ held: 0, problems: [sentence] });
    expect(log.messages('warn')).toEqual([sentence]);
    expect(holder.ownPorts().size).toBe(0);
  });
});
