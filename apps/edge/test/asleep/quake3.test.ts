// OpenArena (Quake 3) while asleep: getinfo and getstatus answer, getchallenge and connect wake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quake3 as quake3Responder } from '../../src/asleep/quake3.js';
import { toAscii } from '../../src/asleep/text.js';
import { sendDatagram } from './support/exchange.js';
import { gamedig } from './support/gamedig.js';
import { type Hosted, hostUdp } from './support/host.js';
import { INFO } from './support/info.js';
import {
  QUAKE3_CONNECT,
  QUAKE3_GETCHALLENGE,
  QUAKE3_GETCHALLENGE_BARE,
  quake3,
  STATUS_QUERIES,
  UDP_PROBES,
} from './support/packets.js';

/** `\key\value…` as an object. */
function infoPairs(text: string): Record<string, string> {
  const parts = text.split('\\').slice(1);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) out[parts[i] ?? ''] = parts[i + 1] ?? '';
  return out;
}

describe('OpenArena (Quake 3), asleep', () => {
  let host: Hosted;
  beforeAll(async () => {
    host = await hostUdp(quake3Responder, { ...INFO, version: 'ioq3 1.36_GIT_ba68b99c-2018-01-23' });
  });
  afterAll(() => host.close());

  it('answers gamedig (getstatus) with the status line, 0 players and the maximum', async () => {
    const before = host.verdicts.length;
    const result = await gamedig('openarena', host.port);
    // Quake 3 speaks latin1: the em dash becomes a hyphen.
    expect(result.name).toBe(toAscii(INFO.status));
    expect(result.name).toContain('survival is asleep - join to wake it');
    expect(Number(result.maxplayers)).toBe(INFO.maxPlayers);
    expect(Number(result.numplayers)).toBe(0);
    expect(result.players).toEqual([]);
    expect(host.kinds().slice(before)).toEqual(['status']);
  });

  it('answers getinfo with the challenge echoed, as server browsers expect', async () => {
    const { verdict, replies } = await sendDatagram(host, quake3('getinfo 0a1b2c3d'));
    expect(verdict.kind).toBe('status');
    const text = replies[0]?.toString('latin1', 4) ?? '';
    expect(text.startsWith('infoResponse\n')).toBe(true);
    expect(infoPairs(text.slice('infoResponse\n'.length))).toMatchObject({
      challenge: '0a1b2c3d',
      hostname: toAscii(INFO.status),
      clients: '0',
      sv_maxclients: String(INFO.maxPlayers),
    });
  });

  it('wakes on getchallenge (both forms) and connect, and prints the join message on the client’s screen', async () => {
    for (const packet of [QUAKE3_GETCHALLENGE, QUAKE3_GETCHALLENGE_BARE, QUAKE3_CONNECT]) {
      const { verdict, replies } = await sendDatagram(host, packet);
      expect(verdict.kind).toBe('join');
      expect(replies.map((reply) => reply.toString('latin1'))).toEqual([
        `\xff\xff\xff\xffprint\n${toAscii(INFO.joinMessage)}\n`,
      ]);
    }
  });

  it('does not wake on status queries, rcon, scans or garbage', async () => {
    const others = { ...UDP_PROBES, ...STATUS_QUERIES, rcon: quake3('rcon secret status') };
    for (const [name, packet] of Object.entries(others)) {
      expect((await sendDatagram(host, packet)).verdict.kind, name).not.toBe('join');
    }
  });
});
