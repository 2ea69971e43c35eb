// Steam's A2S queries while asleep (Valheim, ARK, Project Zomboid), with the challenge flow, and join detection
// on the Steam games' game ports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOpenConnectionRequest1 } from '../../src/asleep/raknet.js';
import {
  ARK_SURVIVAL_EVOLVED,
  a2sServerName,
  PROJECT_ZOMBOID,
  sourceQueryResponder,
  steamGamePortResponder,
  VALHEIM,
} from '../../src/asleep/source-a2s.js';
import { isSteamSocketsChallengeRequest } from '../../src/asleep/steam-sockets.js';
import { isUnrealLegacyControlOpen } from '../../src/asleep/unreal.js';
import { datagramClient, sendDatagram } from './support/exchange.js';
import { gamedig } from './support/gamedig.js';
import { type Hosted, hostUdp } from './support/host.js';
import { INFO } from './support/info.js';
import {
  openConnectionRequest1,
  STATUS_QUERIES,
  steamSocketsChallengeRequest,
  UDP_PROBES,
  unrealInitialPacket,
  unrealLegacyHello,
} from './support/packets.js';

const A2S_INFO = STATUS_QUERIES.A2S_INFO ?? Buffer.alloc(0);

describe('A2S on a sleeping Steam game’s query port', () => {
  const hosts: Hosted[] = [];
  afterAll(() => Promise.all(hosts.map((host) => host.close())));
  const hosted = async (...args: Parameters<typeof sourceQueryResponder>) => {
    const host = await hostUdp(sourceQueryResponder(...args), {
      ...INFO,
      gamePort: 2456,
      version: '0.219.16',
    });
    hosts.push(host);
    return host;
  };

  for (const [type, profile] of [
    ['valheim', VALHEIM],
    ['ase', ARK_SURVIVAL_EVOLVED],
    ['projectzomboid', PROJECT_ZOMBOID],
  ] as const) {
    it(`answers gamedig's ${type} query, challenge first, with the name, 0 players and the maximum`, async () => {
      const host = await hosted(profile);
      const result = await gamedig(type, host.port, { requestRules: true });
      expect(result.name).toBe(a2sServerName(INFO));
      expect(result.name).toBe('survival — asleep, join to wake');
      expect(result.numplayers).toBe(0);
      expect(result.maxplayers).toBe(INFO.maxPlayers);
      expect(result.players).toEqual([]);
      expect(result.version).toBe('0.219.16');
      expect(result.raw).toMatchObject({ appId: profile.appId, folder: profile.folder, game: profile.game });
      expect(result.raw.rules).toEqual({});
      // A2S_INFO gets the challenge, then the info; A2S_PLAYER and A2S_RULES reuse the challenge. No wake.
      expect(host.kinds()).toEqual(['status', 'status', 'status', 'status']);
    });
  }

  it('answers A2S_INFO without a challenge with a 9-byte challenge only, the same for the same sender', async () => {
    const host = await hosted(VALHEIM);
    const client = await datagramClient(host);
    const { replies } = await client.send(A2S_INFO);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.subarray(0, 5)).toEqual(Buffer.from('ffffffff41', 'hex'));
    expect(replies[0]).toHaveLength(9);
    const challenge = replies[0]?.subarray(5) ?? Buffer.alloc(0);
    expect((await client.send(A2S_INFO)).replies[0]?.subarray(5)).toEqual(challenge);
    const wrong = await client.send(Buffer.concat([A2S_INFO, Buffer.from('01020304', 'hex')]));
    expect(wrong.replies[0]?.[4]).toBe(0x41);
    const other = await sendDatagram(host, A2S_INFO);
    expect(other.replies[0]?.subarray(5)).not.toEqual(challenge);
    client.close();
  });

  it('answers A2S_PLAYER and A2S_RULES: a challenge for FFFFFFFF, then empty lists', async () => {
    const host = await hosted(ARK_SURVIVAL_EVOLVED);
    const client = await datagramClient(host);
    const ask = (type: number, challenge: Buffer) =>
      client.send(Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, type]), challenge]));
    const first = await ask(0x55, Buffer.from('ffffffff', 'hex'));
    expect(first.replies[0]?.[4]).toBe(0x41);
    const challenge = first.replies[0]?.subarray(5) ?? Buffer.alloc(0);
    expect((await ask(0x55, challenge)).replies).toEqual([Buffer.from('ffffffff4400', 'hex')]);
    expect((await ask(0x56, Buffer.from('ffffffff', 'hex'))).replies[0]?.subarray(5)).toEqual(challenge);
    expect((await ask(0x56, challenge)).replies).toEqual([Buffer.from('ffffffff450000', 'hex')]);
    client.close();
  });

  it('does not wake on queries, scans or garbage on the query port', async () => {
    const host = await hosted(VALHEIM);
    for (const [name, packet] of Object.entries({ ...UDP_PROBES, ...STATUS_QUERIES })) {
      const { verdict } = await sendDatagram(host, packet);
      expect(verdict.kind, name).not.toBe('join');
    }
  });

  it('wakes Project Zomboid on a RakNet connection to the port its queries share', async () => {
    const host = await hosted(PROJECT_ZOMBOID, isOpenConnectionRequest1);
    expect((await sendDatagram(host, openConnectionRequest1(10, 1492))).verdict.kind).toBe('join');
    expect((await sendDatagram(host, A2S_INFO)).verdict.kind).toBe('status');
  });
});

describe('a sleeping Steam game’s game port', () => {
  const games = [
    ['Valheim (Steam Networking Sockets)', isSteamSocketsChallengeRequest, [steamSocketsChallengeRequest()]],
    [
      'ARK (Unreal 4 control channel hello)',
      isUnrealLegacyControlOpen,
      [unrealLegacyHello(0x1a2b), unrealLegacyHello(7)],
    ],
    [
      'Project Zomboid (RakNet)',
      isOpenConnectionRequest1,
      [openConnectionRequest1(10, 1492), openConnectionRequest1(10, 576)],
    ],
  ] as const;

  for (const [name, isJoin, joins] of games) {
    describe(name, () => {
      let host: Hosted;
      beforeAll(async () => {
        host = await hostUdp(steamGamePortResponder(isJoin), INFO);
      });
      afterAll(() => host.close());

      it('wakes on a client’s first connection packet and answers nothing', async () => {
        for (const packet of joins) {
          const { verdict, replies } = await sendDatagram(host, packet);
          expect(verdict.kind).toBe('join');
          expect(replies).toEqual([]);
        }
      });

      it('ignores queries, nmap-style probes, empty datagrams, garbage and other games’ connections', async () => {
        const others = {
          ...UDP_PROBES,
          ...STATUS_QUERIES,
          'Unreal 5 handshake': unrealInitialPacket(Buffer.alloc(12, 0x5a)),
          'Steam sockets challenge request': steamSocketsChallengeRequest(),
          'RakNet connection': openConnectionRequest1(10, 1492),
        };
        for (const [probe, packet] of Object.entries(others)) {
          if (joins.some((join) => join.equals(packet))) continue;
          if (isJoin(packet)) continue; // another game's connection this detector also takes: checked above
          const { verdict } = await sendDatagram(host, packet);
          expect(verdict.kind, probe).toBe('ignore');
        }
      });
    });
  }
});
