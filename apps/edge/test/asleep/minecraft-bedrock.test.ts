// Minecraft: Bedrock Edition while asleep: the unconnected ping answers with a MOTD, a RakNet connection wakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minecraftBedrock } from '../../src/asleep/minecraft-bedrock.js';
import { sendDatagram } from './support/exchange.js';
import { gamedig } from './support/gamedig.js';
import { type Hosted, hostUdp } from './support/host.js';
import { INFO } from './support/info.js';
import {
  openConnectionRequest1,
  RAKNET_UNCONNECTED_PING,
  STATUS_QUERIES,
  UDP_PROBES,
} from './support/packets.js';

describe('Minecraft: Bedrock Edition, asleep', () => {
  let host: Hosted;
  beforeAll(async () => {
    host = await hostUdp(minecraftBedrock, { ...INFO, gamePort: 19132 });
  });
  afterAll(() => host.close());

  it('answers gamedig with the status line, 0 players and the maximum', async () => {
    const before = host.verdicts.length;
    const result = await gamedig('mbe', host.port);
    expect(result.name).toBe(INFO.status);
    expect(result.numplayers).toBe(0);
    expect(result.maxplayers).toBe(INFO.maxPlayers);
    expect(result.map).toBe(INFO.serverName);
    expect(host.kinds().slice(before)).not.toContain('join');
    expect(host.kinds().slice(before)).toContain('status');
  });

  it('echoes the ping’s time and keeps one server GUID', async () => {
    const first = await sendDatagram(host, RAKNET_UNCONNECTED_PING);
    const second = await sendDatagram(host, RAKNET_UNCONNECTED_PING);
    const pong = first.replies[0] ?? Buffer.alloc(0);
    expect(pong[0]).toBe(0x1c);
    expect(pong.subarray(1, 9)).toEqual(RAKNET_UNCONNECTED_PING.subarray(1, 9));
    expect(second.replies[0]).toEqual(pong);
    const motd = pong.toString('utf8', 35).split(';');
    expect(motd.slice(0, 2)).toEqual(['MCPE', INFO.status]);
    expect(motd[6]).toBe(pong.readBigUInt64BE(9).toString());
    expect(motd.slice(10, 12)).toEqual(['19132', '19132']);
  });

  it('wakes on Open Connection Request 1 at each MTU the client probes, and stays silent to it', async () => {
    for (const mtu of [1492, 1200, 576]) {
      const { verdict, replies } = await sendDatagram(host, openConnectionRequest1(11, mtu));
      expect(verdict.kind).toBe('join');
      expect(replies).toEqual([]);
    }
  });

  it('does not wake on other games’ queries, scans or garbage', async () => {
    for (const [name, packet] of Object.entries({ ...UDP_PROBES, ...STATUS_QUERIES })) {
      const { verdict } = await sendDatagram(host, packet);
      expect(verdict.kind, name).not.toBe('join');
      if (name !== 'RakNet unconnected ping') expect(verdict.kind, name).toBe('ignore');
    }
  });
});
