// Across every port of every game (as index.ts assigns them): nothing but a real join wakes. Scanners' probes,
// empty datagrams, random bytes, every family's status queries, silent connections, web and TLS clients.
import { GAMES, gamePorts } from '@guildserver/games';
import { afterAll, describe, expect, it } from 'vitest';
import { responderFor } from '../../src/asleep/index.js';
import { connectAndHangUp, sendDatagram, tcpExchange } from './support/exchange.js';
import { type Hosted, hostTcp, hostUdp } from './support/host.js';
import { INFO } from './support/info.js';
import { garbage, STATUS_QUERIES, TCP_PROBES, UDP_PROBES } from './support/packets.js';

/** Many random datagrams of many sizes: a detector that takes one of them is too loose. */
const RANDOM_DATAGRAMS = Array.from({ length: 64 }, (_, i) => garbage(1 + ((i * 37) % 1400), 1000 + i));

describe('nothing but a join wakes a sleeping server', () => {
  const hosts: Hosted[] = [];
  afterAll(() => Promise.all(hosts.map((host) => host.close())));

  for (const game of GAMES) {
    for (const port of gamePorts(game)) {
      const responder = responderFor(game.id, port);
      if (responder === undefined) continue;
      const name = `${game.id} ${port.purpose} port ${port.index}/${port.protocol}`;

      if (responder.transport === 'udp') {
        it(`${name}: probes, queries and random datagrams`, async () => {
          const host = await hostUdp(responder, INFO);
          hosts.push(host);
          const packets = [
            ...Object.entries({ ...UDP_PROBES, ...STATUS_QUERIES }),
            ...RANDOM_DATAGRAMS.entries(),
          ];
          for (const [what, packet] of packets) {
            const { verdict } = await sendDatagram(host, packet);
            expect(verdict.kind, String(what)).not.toBe('join');
          }
        });
        // The same, straight to the responder: thousands more random datagrams, no sockets needed.
        it(`${name}: 5000 random datagrams, judged directly`, () => {
          for (let seed = 1; seed <= 5000; seed++) {
            const packet = garbage(1 + (seed % 600), seed);
            expect(responder.onDatagram(packet, INFO, { address: '203.0.113.9', port: seed }).kind).not.toBe(
              'join',
            );
          }
        });
      } else {
        it(`${name}: silent connections, web, TLS, SSH and random bytes`, async () => {
          const host = await hostTcp(responder, INFO);
          hosts.push(host);
          const before = host.verdicts.length;
          await connectAndHangUp(host);
          expect(host.verdicts.length).toBe(before);
          for (const [what, probe] of Object.entries(TCP_PROBES)) {
            const outcome = await tcpExchange(host, [probe]);
            expect(
              outcome.verdicts.map((verdict) => verdict.kind),
              what,
            ).not.toContain('join');
          }
          for (let seed = 1; seed <= 5000; seed++) {
            expect(responder.onData(garbage(1 + (seed % 300), seed), INFO).kind).not.toBe('join');
          }
        });
      }
    }
  }
});
