// `gs edge rules`: the table as nft or iptables rules to paste, the generation first, the refused as comments.
import type { ForwardingTable } from '@guildserver/contracts';
import { describe, expect, it } from 'vitest';
import { rulesText } from '../src/rules-text.js';
import { entry } from './support/fakes.js';

const table: ForwardingTable = {
  generation: 42,
  portRange: { first: 20_000, last: 20_999 },
  entries: [
    entry(),
    entry({ protocol: 'udp', publishedPort: 20_001, guestPort: 19132 }),
    entry({ serverId: 'srv_booting00001', serverName: 'booting', vmIpv4: null, publishedPort: 20_005 }),
  ],
};

describe('the forwarding table as rules to paste', () => {
  it('as iptables commands, one DNAT per published port of the host’s own addresses', () => {
    expect(rulesText(table, { format: 'iptables', snat: false })).toBe(
      [
        '# GuildServer edge: forwarding table generation 42, 2 port(s), as iptables commands (run as root; they add to the nat table, so remove earlier ones first).',
        'iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -p tcp --dport 20000 -j DNAT --to-destination 10.0.10.5:25565',
        'iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -p udp --dport 20001 -j DNAT --to-destination 10.0.10.5:19132',
        '# not forwarded: tcp/20005 of booting (srv_booting00001): booting has no VM address yet.',
        '',
      ].join('\n'),
    );
  });

  it('with --snat, a MASQUERADE of exactly the forwarded flows', () => {
    const text = rulesText(table, { format: 'iptables', snat: true });
    expect(text).toContain(
      'iptables -t nat -A POSTROUTING -m conntrack --ctstate DNAT -p tcp -d 10.0.10.5 --dport 25565 -j MASQUERADE\n',
    );
    expect(text).toContain(
      'iptables -t nat -A POSTROUTING -m conntrack --ctstate DNAT -p udp -d 10.0.10.5 --dport 19132 -j MASQUERADE\n',
    );
  });

  it('as nft, the definition the daemon applies, then the refused', () => {
    const text = rulesText(table, { format: 'nft', snat: false });
    expect(text.split('\n')[0]).toBe('# GuildServer edge: forwarding table generation 42, 2 port(s).');
    expect(text).toContain('table inet guildserver {');
    expect(text).not.toMatch(/ masquerade$/m);
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      '# not forwarded: tcp/20005 of booting (srv_booting00001): booting has no VM address yet.',
    );
  });
});
