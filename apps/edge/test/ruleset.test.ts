// The forwarding table → nftables definition, and the entries the API could hand over that must never become
// a broken ruleset or a forward to the wrong VM.
import type { ForwardingEntry, ForwardingTable } from '@guildserver/contracts';
import { describe, expect, it } from 'vitest';
import { buildRuleset, commentOf, definitionOf } from '../src/ruleset.js';

const entry = (overrides: Partial<ForwardingEntry> = {}): ForwardingEntry => ({
  serverId: 'srv_survival0001',
  serverName: 'survival',
  vmIpv4: '10.0.10.5',
  protocol: 'tcp',
  publishedPort: 20_000,
  guestPort: 25565,
  ...overrides,
});
const tableOf = (entries: ForwardingEntry[]): ForwardingTable => ({
  generation: 12,
  portRange: { first: 20_000, last: 20_999 },
  entries,
});

describe('buildRuleset', () => {
  it('maps each published port to the VM’s address and guest port, by protocol, in GuildServer’s own table', () => {
    const ruleset = buildRuleset(
      tableOf([
        entry(),
        entry({ protocol: 'udp', publishedPort: 20_001, guestPort: 19132 }),
        entry({
          serverId: 'srv_valheim00001',
          serverName: 'vikings',
          vmIpv4: '10.0.10.6',
          publishedPort: 20_002,
          guestPort: 2456,
        }),
      ]),
      { snat: false },
    );
    expect(ruleset.refused).toEqual([]);
    expect(ruleset.forwarded).toHaveLength(3);
    const { text } = ruleset;
    expect(text).toContain('generation 12');
    expect(text).toMatch(
      /^table inet guildserver\ndelete table inet guildserver\ntable inet guildserver \{$/m,
    );
    expect(text).toContain('20000 : 10.0.10.5 . 25565');
    expect(text).toContain('20002 : 10.0.10.6 . 2456');
    expect(text).toMatch(
      /map published_udp \{\n\s+type inet_service : ipv4_addr \. inet_service\n\s+elements = \{ 20001 : 10\.0\.10\.5 \. 19132 \}/,
    );
    expect(text).not.toMatch(/ masquerade$/m);
    // One rule per protocol, however many servers: the maps carry the servers.
    expect(text.match(/dnat ip to/g)).toHaveLength(2);
  });

  it('masquerades only the flows it forwarded when source NAT is asked for', () => {
    const { text, masqueraded } = buildRuleset(tableOf([entry()]), { snat: true });
    expect(text).toContain('ct status dnat ip daddr . meta l4proto . th dport @masqueraded masquerade');
    expect(text).toContain('elements = { 10.0.10.5 . tcp . 25565 }');
    expect(masqueraded).toEqual(['10.0.10.5']);
  });

  it('masquerades only the VMs named when source NAT is decided per VM', () => {
    const table = tableOf([
      entry(),
      entry({
        serverId: 'srv_far000000001',
        serverName: 'far',
        vmIpv4: '192.168.1.50',
        publishedPort: 20_001,
      }),
      entry({
        serverId: 'srv_far000000001',
        serverName: 'far',
        vmIpv4: '192.168.1.50',
        protocol: 'udp',
        publishedPort: 20_001,
      }),
    ]);
    const { text, masqueraded } = buildRuleset(table, { snat: new Set(['192.168.1.50']) });
    expect(masqueraded).toEqual(['192.168.1.50']);
    expect(text).toMatch(
      /set masqueraded \{\n\s+type ipv4_addr \. inet_proto \. inet_service\n\s+elements = \{ 192\.168\.1\.50 \. tcp \. 25565,\n\s+192\.168\.1\.50 \. udp \. 25565 \}/,
    );
    expect(text).toMatch(/ masquerade$/m);
    // None of the named VMs is forwarded: no masquerade rule at all.
    expect(buildRuleset(table, { snat: new Set(['10.9.9.9']) }).text).not.toMatch(/ masquerade$/m);
  });

  it('counts what players send to each published port, as it is forwarded, with the server in each counter', () => {
    const { text } = buildRuleset(tableOf([entry(), entry({ protocol: 'udp', publishedPort: 20_001 })]), {
      snat: false,
    });
    expect(text).toMatch(
      /set counted_tcp \{\n\s+type inet_service\n\s+counter\n\s+elements = \{ 20000 comment "srv_survival0001 survival" \}/,
    );
    expect(text).toMatch(
      /set counted_udp \{\n\s+type inet_service\n\s+counter\n\s+elements = \{ 20001 comment "srv_survival0001 survival" \}/,
    );
    expect(text).toContain('type filter hook forward priority filter - 10; policy accept;');
    expect(text).toContain(
      'ct status dnat ct direction original meta l4proto udp ct original proto-dst @counted_udp',
    );
  });

  it('two tables with the same forwards have the same definition, whatever their generations', () => {
    const a = buildRuleset({ ...tableOf([entry()]), generation: 3 }, { snat: false }).text;
    const b = buildRuleset({ ...tableOf([entry()]), generation: 9 }, { snat: false }).text;
    expect(a).not.toBe(b);
    expect(definitionOf(a)).toBe(definitionOf(b));
    expect(definitionOf(a)).not.toBe(definitionOf(buildRuleset(tableOf([]), { snat: false }).text));
  });

  it('keeps a server name that nft would need quoted out of the comment', () => {
    expect(commentOf('srv_x', 'bad "name" here')).toBe('srv_x bad__name__here');
  });

  it('does not forward a port a service on the edge host listens on', () => {
    const ruleset = buildRuleset(
      tableOf([entry(), entry({ serverName: 'ssh', serverId: 'srv_ssh000000001', publishedPort: 20_022 })]),
      { snat: false, taken: new Set(['tcp/20022', 'udp/20000']) },
    );
    expect(ruleset.forwarded.map((e) => e.publishedPort)).toEqual([20_000]);
    expect(ruleset.refused).toEqual([
      {
        entry: expect.objectContaining({ serverName: 'ssh' }),
        cause: 'listening',
        reason:
          'tcp/20022 of ssh is not forwarded: a service on the edge host listens on it, and forwarding would take the port from it.',
      },
    ]);
  });

  it('declares empty maps without elements (nft refuses an empty element list)', () => {
    const { text } = buildRuleset(tableOf([]), { snat: true });
    expect(text).not.toContain('elements');
    expect(text).toContain('map published_tcp {');
  });

  it('leaves out what cannot be forwarded safely, each with its reason, and forwards the rest', () => {
    const ruleset = buildRuleset(
      tableOf([
        entry({ serverName: 'booting', serverId: 'srv_booting00001', vmIpv4: null, publishedPort: 20_010 }),
        entry({
          serverName: 'odd',
          serverId: 'srv_odd000000001',
          vmIpv4: '10.0.10.300',
          publishedPort: 20_011,
        }),
        entry({ serverName: 'outside', serverId: 'srv_outside00001', publishedPort: 30_000 }),
        entry({ serverName: 'zero', serverId: 'srv_zero00000001', publishedPort: 20_012, guestPort: 0 }),
        entry({ serverName: 'first', serverId: 'srv_first0000001', publishedPort: 20_020 }),
        entry({
          serverName: 'second',
          serverId: 'srv_second000001',
          vmIpv4: '10.0.10.9',
          publishedPort: 20_020,
        }),
        entry({ serverName: 'fine', serverId: 'srv_fine00000001', publishedPort: 20_030 }),
        // The same port number over the other protocol is another port: no clash.
        entry({ serverName: 'fine', serverId: 'srv_fine00000001', protocol: 'udp', publishedPort: 20_020 }),
      ]),
      { snat: false },
    );
    const reasons = Object.fromEntries(
      ruleset.refused.map((r) => [`${r.entry.serverName}/${r.entry.protocol}`, r.reason]),
    );
    expect(reasons).toEqual({
      'booting/tcp': 'booting has no VM address yet.',
      'odd/tcp': `odd's VM address "10.0.10.300" is not an IPv4 address.`,
      'outside/tcp': 'tcp/30000 of outside is outside GAME_PORT_RANGE 20000-20999.',
      'zero/tcp': "zero's guest port 0 is not a port.",
      'first/tcp':
        'tcp/20020 is claimed by 2 servers (srv_first0000001, srv_second000001); none of them is forwarded until only one holds it.',
      'second/tcp':
        'tcp/20020 is claimed by 2 servers (srv_first0000001, srv_second000001); none of them is forwarded until only one holds it.',
    });
    expect(ruleset.forwarded.map((e) => `${e.protocol}/${e.publishedPort}`)).toEqual([
      'tcp/20030',
      'udp/20020',
    ]);
    expect(ruleset.text).not.toMatch(/10\.0\.10\.300|30000|\b20010\b|10\.0\.10\.9/);
  });
});
