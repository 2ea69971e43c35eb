// Per-port counts: read from `nft -j list set`, and cumulative across tables (each restarts its counters at 0).
import { describe, expect, it } from 'vitest';
import { ownersOf, PortTotals } from '../src/counters.js';
import { parseCounters } from '../src/nft.js';
import { entry } from './support/fakes.js';

// `nft -j list set inet guildserver counted_tcp` (nftables 1.0.6).
const LISTED = {
  nftables: [
    { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
    {
      set: {
        family: 'inet',
        name: 'counted_tcp',
        table: 'guildserver',
        type: 'inet_service',
        handle: 7,
        elem: [
          {
            elem: {
              val: 20000,
              comment: 'srv_survival0001 survival',
              counter: { packets: 12, bytes: 840 },
            },
          },
          { elem: { val: 20001, counter: { packets: 3, bytes: 99 } } },
        ],
        stmt: [{ counter: null }],
      },
    },
  ],
};

describe('per-port counters', () => {
  it('reads each element’s counter and the server its comment names', () => {
    expect(parseCounters(LISTED, 'tcp')).toEqual([
      {
        protocol: 'tcp',
        port: 20_000,
        serverId: 'srv_survival0001',
        serverName: 'survival',
        packets: 12,
        bytes: 840,
      },
      { protocol: 'tcp', port: 20_001, packets: 3, bytes: 99 },
    ]);
    expect(parseCounters({ nftables: [] }, 'udp')).toEqual([]);
  });

  it('adds the counts of each replaced table to offsets, per server, protocol and port', () => {
    const totals = new PortTotals();
    const owners = ownersOf([
      entry({ protocol: 'udp', publishedPort: 20_001, serverId: 'srv_udp000000001', serverName: 'udp' }),
    ]);
    totals.absorb(
      [
        {
          protocol: 'tcp',
          port: 20_000,
          serverId: 'srv_survival0001',
          serverName: 'survival',
          packets: 12,
          bytes: 840,
        },
        { protocol: 'udp', port: 20_001, packets: 3, bytes: 99 },
      ],
      owners,
    );
    // The next table counted more; the UDP port moved to another server meanwhile.
    totals.absorb([
      {
        protocol: 'tcp',
        port: 20_000,
        serverId: 'srv_survival0001',
        serverName: 'survival',
        packets: 1,
        bytes: 60,
      },
      {
        protocol: 'udp',
        port: 20_001,
        serverId: 'srv_other0000001',
        serverName: 'other',
        packets: 2,
        bytes: 20,
      },
    ]);
    const now = [
      {
        protocol: 'tcp' as const,
        port: 20_000,
        serverId: 'srv_survival0001',
        serverName: 'survival',
        packets: 5,
        bytes: 300,
      },
      { protocol: 'tcp' as const, port: 20_009, packets: 1, bytes: 40 },
    ];
    expect(totals.totals(now)).toEqual([
      {
        serverId: 'srv_survival0001',
        serverName: 'survival',
        protocol: 'tcp',
        port: 20_000,
        packets: 18,
        bytes: 1_200,
      },
      {
        serverId: 'srv_udp000000001',
        serverName: 'udp',
        protocol: 'udp',
        port: 20_001,
        packets: 3,
        bytes: 99,
      },
      {
        serverId: 'srv_other0000001',
        serverName: 'other',
        protocol: 'udp',
        port: 20_001,
        packets: 2,
        bytes: 20,
      },
      { serverId: 'unknown', serverName: 'unknown', protocol: 'tcp', port: 20_009, packets: 1, bytes: 40 },
    ]);
    // Reading does not change the offsets.
    expect(totals.totals([])[0]).toMatchObject({ packets: 13, bytes: 900 });
  });
});
