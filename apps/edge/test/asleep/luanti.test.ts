// Luanti while asleep: the opening packet gets a peer id as from a running server (the product's probe sees
// "up"), TOSERVER_INIT wakes and is denied with the join message and a Reconnect button.

import { assignedPeerId, queryGame } from '@guildserver/game-query';
import { getGame } from '@guildserver/games';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { luanti, peerIdFor } from '../../src/asleep/luanti.js';
import { datagramClient, sendDatagram } from './support/exchange.js';
import { type Hosted, hostUdp } from './support/host.js';
import { INFO } from './support/info.js';
import { LUANTI_CLIENT_HELLO, luantiInit, STATUS_QUERIES, UDP_PROBES } from './support/packets.js';

/** TOCLIENT_ACCESS_DENIED as an ORIGINAL packet from the server: [reason code, message, reconnect]. */
function accessDenied(packet: Buffer): [number, string, number] | undefined {
  if (packet.readUInt32BE(0) !== 0x4f457403 || packet.readUInt16BE(4) !== 1 || packet[7] !== 1)
    return undefined;
  if (packet.readUInt16BE(8) !== 0x0a) return undefined;
  const length = packet.readUInt16BE(11);
  return [packet[10] ?? -1, packet.toString('utf8', 13, 13 + length), packet[13 + length] ?? -1];
}

describe('Luanti, asleep', () => {
  let host: Hosted;
  beforeAll(async () => {
    host = await hostUdp(luanti, INFO);
  });
  afterAll(() => host.close());

  it('looks up to the product’s own probe, which then drops the peer it was given', async () => {
    const before = host.verdicts.length;
    const answer = await queryGame(getGame('luanti'), '127.0.0.1', { port: host.port, timeoutMs: 3_000 });
    expect(answer.raw).toMatchObject({ peerId: expect.any(Number) });
    // The hello, then the probe's DISCO from the id it was given (sent as the probe finishes).
    await vi.waitFor(() => expect(host.kinds().slice(before)).toEqual(['status', 'ignore']));
  });

  it('acknowledges a client’s opening packet and gives it a peer id derived from its address', async () => {
    const client = await datagramClient(host);
    const { verdict, replies } = await client.send(LUANTI_CLIENT_HELLO);
    expect(verdict.kind).toBe('status');
    // ACK of seqnum 65500 on channel 0, then the reliable SET_PEER_ID.
    expect(replies[0]).toEqual(Buffer.from('4f45740300010000' + '00ffdc', 'hex'));
    const peerId = assignedPeerId(replies[1] ?? Buffer.alloc(0));
    expect(peerId).toBeGreaterThan(1);
    expect(assignedPeerId((await client.send(LUANTI_CLIENT_HELLO)).replies[1] ?? Buffer.alloc(0))).toBe(
      peerId,
    );
    client.close();
  });

  it('wakes on TOSERVER_INIT, from the assigned peer id or before it, and denies it with the message', async () => {
    const client = await datagramClient(host);
    const { replies } = await client.send(LUANTI_CLIENT_HELLO);
    const peerId = assignedPeerId(replies[1] ?? Buffer.alloc(0)) ?? 0;
    // The client acknowledges the SET_PEER_ID from its new id: nothing to say to that.
    const ackOfOurs = Buffer.from(`4f457403${peerId.toString(16).padStart(4, '0')}000000ffdc`, 'hex');
    expect((await client.send(ackOfOurs)).verdict.kind).toBe('ignore');
    for (const init of [luantiInit(peerId, 'singleplayer2'), luantiInit(0, 'Sam_the-3rd')]) {
      const outcome = await client.send(init);
      expect(outcome.verdict.kind).toBe('join');
      expect(outcome.replies.map(accessDenied)).toEqual([[10, INFO.joinMessage, 1]]);
    }
    client.close();
  });

  it('acknowledges a TOSERVER_INIT sent reliably before denying it', async () => {
    const init = luantiInit(4242, 'player');
    const reliable = Buffer.concat([init.subarray(0, 7), Buffer.from('03ffdd', 'hex'), init.subarray(7)]);
    const { verdict, replies } = await sendDatagram(host, reliable);
    expect(verdict.kind).toBe('join');
    expect(replies[0]).toEqual(Buffer.from('4f45740300010100' + '00ffdd', 'hex'));
    expect(accessDenied(replies[1] ?? Buffer.alloc(0))?.[1]).toBe(INFO.joinMessage);
  });

  it('gives every sender its own peer id, stable per sender', () => {
    const a = { address: '198.51.100.7', port: 50000 };
    const b = { address: '198.51.100.7', port: 50001 };
    expect(peerIdFor(a)).toBe(peerIdFor({ ...a }));
    expect(peerIdFor(a)).not.toBe(peerIdFor(b));
  });

  it('does not wake on its status probe, other games’ queries, scans, garbage or a malformed init', async () => {
    const others = {
      ...UDP_PROBES,
      ...STATUS_QUERIES,
      'init with a name Luanti refuses': luantiInit(0, 'bad name!'),
      'init cut short': luantiInit(0, 'player').subarray(0, 14),
    };
    for (const [name, packet] of Object.entries(others)) {
      expect((await sendDatagram(host, packet)).verdict.kind, name).not.toBe('join');
    }
  });
});
