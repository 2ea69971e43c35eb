// OpenTTD while asleep: the game-info request (TCP) and LAN discovery (UDP) answer, CLIENT_JOIN wakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openttdTcp, openttdUdp } from '../../src/asleep/openttd.js';
import { connectAndHangUp, sendDatagram, tcpExchange } from './support/exchange.js';
import { gamedig } from './support/gamedig.js';
import { type Hosted, hostTcp, hostUdp } from './support/host.js';
import { INFO } from './support/info.js';
import { openttdJoin, STATUS_QUERIES, TCP_PROBES, UDP_PROBES } from './support/packets.js';

const ASLEEP = { ...INFO, version: '13.0' };

describe('OpenTTD, asleep', () => {
  let tcp: Hosted;
  let udp: Hosted;
  beforeAll(async () => {
    tcp = await hostTcp(openttdTcp, ASLEEP);
    udp = await hostUdp(openttdUdp, ASLEEP);
  });
  afterAll(() => Promise.all([tcp.close(), udp.close()]));

  it('answers gamedig’s game-info request with the status line, 0 clients and the maximum', async () => {
    const before = tcp.verdicts.length;
    const result = await gamedig('openttd', tcp.port);
    expect(result.name).toBe(INFO.status);
    expect(result.version).toBe('13.0');
    expect(result.numplayers).toBe(0);
    expect(result.maxplayers).toBe(INFO.maxPlayers);
    expect(result.password).toBe(false);
    expect(tcp.kinds().slice(before)).toEqual(['status']);
  });

  it('answers LAN discovery (UDP FIND_SERVER) with the same game info', async () => {
    const { verdict, replies } = await sendDatagram(udp, Buffer.from('030000', 'hex'));
    expect(verdict.kind).toBe('status');
    const reply = replies[0] ?? Buffer.alloc(0);
    expect(reply.readUInt16LE(0)).toBe(reply.length);
    expect(reply[2]).toBe(1); // PACKET_UDP_SERVER_RESPONSE
    expect(reply[3]).toBe(6); // game info version
    expect(reply.includes(Buffer.from(`${INFO.status}\0`))).toBe(true);
  });

  it('wakes on CLIENT_JOIN and kicks the client with the join message', async () => {
    for (const revision of ['13.0', '14.1', '15.0-beta2']) {
      const outcome = await tcpExchange(tcp, [openttdJoin(revision, 'Player')]);
      expect(outcome.verdicts.map((verdict) => verdict.kind)).toEqual(['join']);
      const reply = outcome.received;
      expect(reply.readUInt16LE(0)).toBe(reply.length);
      expect([reply[2], reply[3]]).toEqual([3, 12]); // PACKET_SERVER_ERROR, NETWORK_ERROR_KICKED
      expect(reply.toString('utf8', 4, reply.length - 1)).toBe(INFO.joinMessage);
      expect(outcome.closed).toBe(true);
    }
  });

  it('waits for the rest of a CLIENT_JOIN split over two writes', async () => {
    const join = openttdJoin('14.1', 'Player');
    const outcome = await tcpExchange(tcp, [join.subarray(0, 5), join.subarray(5)]);
    expect(outcome.verdicts.map((verdict) => verdict.kind)).toEqual(['more', 'join']);
  });

  it('does not wake on a silent connection, web or TLS clients, garbage, or UDP anything', async () => {
    const before = tcp.verdicts.length;
    await connectAndHangUp(tcp);
    expect(tcp.verdicts.length).toBe(before);
    for (const [name, probe] of Object.entries(TCP_PROBES)) {
      const outcome = await tcpExchange(tcp, [probe]);
      expect(
        outcome.verdicts.map((verdict) => verdict.kind),
        name,
      ).toEqual(['ignore']);
    }
    for (const [name, packet] of Object.entries({ ...UDP_PROBES, ...STATUS_QUERIES })) {
      expect((await sendDatagram(udp, packet)).verdict.kind, name).not.toBe('join');
    }
  });
});
