// Satisfactory while asleep: the Lightweight Query answers (state Idle, the status line as name); only Unreal's
// handshake InitialPacket on the game port wakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { satisfactory } from '../../src/asleep/satisfactory.js';
import { sendDatagram } from './support/exchange.js';
import { gamedig } from './support/gamedig.js';
import { type Hosted, hostUdp } from './support/host.js';
import { INFO } from './support/info.js';
import {
  garbage,
  STATUS_QUERIES,
  UDP_PROBES,
  unrealInitialPacket,
  unrealLegacyHello,
  unrealOriginalInitialPacket,
} from './support/packets.js';

describe('Satisfactory, asleep', () => {
  let host: Hosted;
  beforeAll(async () => {
    host = await hostUdp(satisfactory, { ...INFO, version: '416835' });
  });
  afterAll(() => host.close());

  it('answers gamedig’s lightweight query with the status line and the Idle state', async () => {
    const before = host.verdicts.length;
    const result = await gamedig('satisfactory', host.port);
    expect(result.name).toBe(INFO.status);
    expect(result.numplayers).toBe(0);
    expect(result.version).toBe('416835');
    expect(result.raw).toMatchObject({ serverState: 1 });
    expect(host.kinds().slice(before)).toEqual(['status']);
  });

  it('echoes the poll’s cookie and ends with the terminator', async () => {
    const poll = STATUS_QUERIES['Satisfactory poll'] ?? Buffer.alloc(0);
    const reply = (await sendDatagram(host, poll)).replies[0] ?? Buffer.alloc(0);
    expect(reply.subarray(0, 4)).toEqual(Buffer.from('d5f60101', 'hex'));
    expect(reply.subarray(4, 12)).toEqual(poll.subarray(4, 12));
    expect(reply.at(-1)).toBe(1);
  });

  it('wakes on an Unreal client’s handshake InitialPacket (UE5 and the original layout)', async () => {
    for (const packet of [
      unrealInitialPacket(garbage(16, 21)),
      unrealInitialPacket(garbage(8, 22)),
      unrealOriginalInitialPacket(),
    ]) {
      const { verdict, replies } = await sendDatagram(host, packet);
      expect(verdict.kind).toBe('join');
      expect(replies).toEqual([]);
    }
  });

  it('does not wake on queries, scans, garbage or a pre-handshake Unreal packet', async () => {
    const others = { ...UDP_PROBES, ...STATUS_QUERIES, 'Unreal 4 hello': unrealLegacyHello(99) };
    for (const [name, packet] of Object.entries(others)) {
      expect((await sendDatagram(host, packet)).verdict.kind, name).not.toBe('join');
    }
  });
});
