// Factorio while asleep: nothing answers (Factorio has no status query of its own); a ConnectionRequest wakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factorio } from '../../src/asleep/factorio.js';
import { sendDatagram } from './support/exchange.js';
import { type Hosted, hostUdp } from './support/host.js';
import { INFO } from './support/info.js';
import { FACTORIO_CONNECTION_REQUEST, STATUS_QUERIES, UDP_PROBES } from './support/packets.js';

describe('Factorio, asleep', () => {
  let host: Hosted;
  beforeAll(async () => {
    host = await hostUdp(factorio, INFO);
  });
  afterAll(() => host.close());

  it('wakes on a client’s ConnectionRequest, with or without confirmations, and answers nothing', async () => {
    const withConfirmations = Buffer.concat([
      Buffer.from('02' + '0180' + '01' + '2a000000', 'hex'), // message id 1 with the confirm bit, 1 confirmation
      FACTORIO_CONNECTION_REQUEST.subarray(3),
    ]);
    const withRandomFlag = Buffer.concat([Buffer.from([0x22]), FACTORIO_CONNECTION_REQUEST.subarray(1)]);
    for (const packet of [FACTORIO_CONNECTION_REQUEST, withConfirmations, withRandomFlag]) {
      const { verdict, replies } = await sendDatagram(host, packet);
      expect(verdict.kind).toBe('join');
      expect(replies).toEqual([]);
    }
  });

  it('ignores everything else: other Factorio messages, queries, scans, garbage', async () => {
    const others = {
      ...UDP_PROBES,
      ...STATUS_QUERIES,
      'Factorio ping': Buffer.from('000100', 'hex'),
      'ConnectionRequestReply (server to client)': Buffer.from('03010001016e75f487d6d5c8a1b2c3d4', 'hex'),
      'fragmented ConnectionRequest': Buffer.concat([
        Buffer.from([0x42]),
        FACTORIO_CONNECTION_REQUEST.subarray(1),
      ]),
    };
    for (const [name, packet] of Object.entries(others)) {
      expect((await sendDatagram(host, packet)).verdict.kind, name).toBe('ignore');
    }
  });
});
