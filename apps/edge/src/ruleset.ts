// The forwarding table as an nftables definition of GuildServer's own table, `inet guildserver`. Pure: the
// same table always gives the same text. An entry that cannot be forwarded safely (no VM address, a port
// outside GAME_PORT_RANGE, an external port two servers claim) is left out with its reason, never turned into
// a ruleset nft would reject or one that forwards a player to the wrong VM.
import type { ForwardingEntry, ForwardingTable } from '@guildserver/contracts';

export const EDGE_TABLE = 'guildserver';

export interface RulesetOptions {
  /**
   * Rewrite the players' source address to the edge's. Needed when the edge is not the VMs' gateway (their
   * replies would not come back through it); the game then sees every player as the edge.
   */
  snat: boolean;
}

export interface RefusedEntry {
  entry: ForwardingEntry;
  reason: string;
}

export interface Ruleset {
  /** `nft -f` input that replaces the whole table in one transaction. */
  text: string;
  /** The entries forwarded. */
  forwarded: ForwardingEntry[];
  refused: RefusedEntry[];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const isPort = (port: number) => Number.isInteger(port) && port >= 1 && port <= 65_535;

export function buildRuleset(table: ForwardingTable, options: RulesetOptions): Ruleset {
  const { forwarded, refused } = sortOut(table);
  const elements = (protocol: 'tcp' | 'udp') =>
    forwarded
      .filter((e) => e.protocol === protocol)
      .map((e) => `${e.publishedPort} : ${e.vmIpv4} . ${e.guestPort}`);
  const targets = forwarded.map((e) => `${e.vmIpv4} . ${e.protocol} . ${e.guestPort}`);
  const text = [
    `# GuildServer edge: forwarding table generation ${table.generation}, ${forwarded.length} port(s).`,
    // Creating the table first makes the delete valid on a host that has none yet; the three lines are one
    // transaction, so the old table is in force until the new one is.
    `table inet ${EDGE_TABLE}`,
    `delete table inet ${EDGE_TABLE}`,
    `table inet ${EDGE_TABLE} {`,
    map('published_tcp', 'inet_service : ipv4_addr . inet_service', elements('tcp')),
    map('published_udp', 'inet_service : ipv4_addr . inet_service', elements('udp')),
    set('forwarded', 'ipv4_addr . inet_proto . inet_service', [...new Set(targets)]),
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    fib daddr type local dnat ip to tcp dport map @published_tcp',
    '    fib daddr type local dnat ip to udp dport map @published_udp',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    options.snat ? '    ct status dnat ip daddr . meta l4proto . th dport @forwarded masquerade' : '',
    '  }',
    '}',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
  return { text: `${text}\n`, forwarded, refused };
}

function sortOut(table: ForwardingTable): { forwarded: ForwardingEntry[]; refused: RefusedEntry[] } {
  const refused: RefusedEntry[] = [];
  const { first, last } = table.portRange;
  const usable = table.entries.filter((entry) => {
    const reason = problemOf(entry, first, last);
    if (reason) refused.push({ entry, reason });
    return !reason;
  });
  const claims = new Map<string, Set<string>>();
  for (const entry of usable) {
    const key = `${entry.protocol}/${entry.publishedPort}`;
    claims.set(key, (claims.get(key) ?? new Set()).add(entry.serverId));
  }
  const forwarded = usable.filter((entry) => {
    const claimants = claims.get(`${entry.protocol}/${entry.publishedPort}`)!;
    if (claimants.size === 1) return true;
    refused.push({
      entry,
      reason: `${entry.protocol}/${entry.publishedPort} is claimed by ${claimants.size} servers (${[...claimants].join(', ')}); none of them is forwarded until only one holds it.`,
    });
    return false;
  });
  return { forwarded, refused };
}

function problemOf(entry: ForwardingEntry, first: number, last: number): string | undefined {
  if (entry.vmIpv4 === null) return `${entry.serverName} has no VM address yet.`;
  if (!IPV4.test(entry.vmIpv4))
    return `${entry.serverName}'s VM address "${entry.vmIpv4}" is not an IPv4 address.`;
  if (!isPort(entry.publishedPort) || entry.publishedPort < first || entry.publishedPort > last) {
    return `${entry.protocol}/${entry.publishedPort} of ${entry.serverName} is outside GAME_PORT_RANGE ${first}-${last}.`;
  }
  if (!isPort(entry.guestPort)) return `${entry.serverName}'s guest port ${entry.guestPort} is not a port.`;
  return undefined;
}

function map(name: string, type: string, elements: string[]): string {
  return collection('map', name, type, elements);
}

function set(name: string, type: string, elements: string[]): string {
  return collection('set', name, type, elements);
}

/** nft refuses `elements = { }`: an empty map or set is declared without them. */
function collection(kind: 'map' | 'set', name: string, type: string, elements: string[]): string {
  const lines = [`  ${kind} ${name} {`, `    type ${type}`];
  if (elements.length > 0) lines.push(`    elements = { ${elements.join(',\n      ')} }`);
  lines.push('  }');
  return lines.join('\n');
}
