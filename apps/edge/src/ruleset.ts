// The forwarding table as an nftables definition of GuildServer's own table, `inet guildserver`. Pure: the
// same table always gives the same text. An entry that cannot be forwarded safely (no VM address, a port
// outside GAME_PORT_RANGE, an external port two servers claim, a port a service on the edge host listens on)
// is left out with its reason, never turned into a ruleset nft would reject or one that forwards a player to
// the wrong VM.
import type { ForwardingEntry, ForwardingTable } from '@guildserver/contracts';

export const EDGE_TABLE = 'guildserver';
/** The sets whose per-element counters count what players send to each published port, per protocol. */
export const COUNTED_SETS = { tcp: 'counted_tcp', udp: 'counted_udp' } as const;

export interface RulesetOptions {
  /**
   * Rewrite the players' source address to the edge's. Needed when the edge is not the VMs' gateway (their
   * replies would not come back through it); the game then sees every player as the edge. `true`: every VM;
   * a set: only the VMs whose IPv4 address it holds (EDGE_SNAT=auto decides per VM); `false`: none.
   */
  snat: boolean | ReadonlySet<string>;
  /**
   * `tcp/25565`-style keys of the ports a service on the edge host itself listens on: a DNAT of such a port
   * would take it from that service, so it is left out (refused) instead.
   */
  taken?: ReadonlySet<string>;
}

/** Why an entry is left out: unusable as given, claimed by two servers, or a port the edge host uses. */
export type RefusalCause = 'unusable' | 'claimed' | 'listening';

export interface RefusedEntry {
  entry: ForwardingEntry;
  reason: string;
  cause: RefusalCause;
}

export interface Ruleset {
  /** `nft -f` input that replaces the whole table in one transaction; its first line names the generation. */
  text: string;
  /** The entries forwarded. */
  forwarded: ForwardingEntry[];
  refused: RefusedEntry[];
  /** The VM addresses whose forwarded flows are masqueraded. */
  masqueraded: string[];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const isPort = (port: number) => Number.isInteger(port) && port >= 1 && port <= 65_535;

/** `tcp/20000`: how a published port is named in `taken` and in sentences. */
export const portKey = (protocol: string, port: number) => `${protocol}/${port}`;

export function buildRuleset(table: ForwardingTable, options: RulesetOptions): Ruleset {
  const { forwarded, refused } = sortOut(table, options.taken ?? new Set());
  const snatted = (vm: string) => (typeof options.snat === 'boolean' ? options.snat : options.snat.has(vm));
  const elements = (protocol: 'tcp' | 'udp') =>
    forwarded
      .filter((e) => e.protocol === protocol)
      .map((e) => `${e.publishedPort} : ${e.vmIpv4} . ${e.guestPort}`);
  const targets = forwarded
    .filter((e) => snatted(e.vmIpv4!))
    .map((e) => `${e.vmIpv4} . ${e.protocol} . ${e.guestPort}`);
  const masqueraded = [...new Set(forwarded.map((e) => e.vmIpv4!).filter(snatted))].sort();
  // Each published port's counter carries its server in the element's comment, so counts read back from a
  // table a previous run applied are still credited to the right server.
  const counted = (protocol: 'tcp' | 'udp') =>
    forwarded
      .filter((e) => e.protocol === protocol)
      .map((e) => `${e.publishedPort} comment "${commentOf(e.serverId, e.serverName)}"`);
  const text = [
    `# GuildServer edge: forwarding table generation ${table.generation}, ${forwarded.length} port(s).`,
    // Creating the table first makes the delete valid on a host that has none yet; the three lines are one
    // transaction, so the old table is in force until the new one is.
    `table inet ${EDGE_TABLE}`,
    `delete table inet ${EDGE_TABLE}`,
    `table inet ${EDGE_TABLE} {`,
    map('published_tcp', 'inet_service : ipv4_addr . inet_service', elements('tcp')),
    map('published_udp', 'inet_service : ipv4_addr . inet_service', elements('udp')),
    set('masqueraded', 'ipv4_addr . inet_proto . inet_service', [...new Set(targets)]),
    collection('set', COUNTED_SETS.tcp, 'inet_service', counted('tcp'), ['counter']),
    collection('set', COUNTED_SETS.udp, 'inet_service', counted('udp'), ['counter']),
    // Every packet a player sends to a published port, counted as it is forwarded to the VM, in the original
    // direction only (never the VM's replies): the flow's DNAT bit and original port pick the counter. This
    // costs a forwarded packet less than a route lookup (`fib daddr type local`) before the DNAT would
    // (bench edge-forwarding: TCP throughput through the edge 0.97 × direct on average, against 0.95).
    '  chain count {',
    '    type filter hook forward priority filter - 10; policy accept;',
    `    ct status dnat ct direction original meta l4proto tcp ct original proto-dst @${COUNTED_SETS.tcp}`,
    `    ct status dnat ct direction original meta l4proto udp ct original proto-dst @${COUNTED_SETS.udp}`,
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    fib daddr type local dnat ip to tcp dport map @published_tcp',
    '    fib daddr type local dnat ip to udp dport map @published_udp',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    targets.length > 0 ? '    ct status dnat ip daddr . meta l4proto . th dport @masqueraded masquerade' : '',
    '  }',
    '}',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
  return { text: `${text}\n`, forwarded, refused, masqueraded };
}

/** The definition without its first line (the generation): two tables with the same definition forward alike. */
export function definitionOf(text: string): string {
  return text.startsWith('#') ? text.slice(text.indexOf('\n') + 1) : text;
}

/** `srv_… name`, only characters that need no quoting in nft (server ids and names are of these anyway). */
export function commentOf(serverId: string, serverName: string): string {
  const clean = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
  return `${clean(serverId)} ${clean(serverName)}`;
}

function sortOut(
  table: ForwardingTable,
  taken: ReadonlySet<string>,
): { forwarded: ForwardingEntry[]; refused: RefusedEntry[] } {
  const refused: RefusedEntry[] = [];
  const { first, last } = table.portRange;
  const usable = table.entries.filter((entry) => {
    const reason = problemOf(entry, first, last);
    if (reason) refused.push({ entry, reason, cause: 'unusable' });
    return !reason;
  });
  const claims = new Map<string, Set<string>>();
  for (const entry of usable) {
    const key = portKey(entry.protocol, entry.publishedPort);
    claims.set(key, (claims.get(key) ?? new Set()).add(entry.serverId));
  }
  const forwarded = usable.filter((entry) => {
    const key = portKey(entry.protocol, entry.publishedPort);
    const claimants = claims.get(key)!;
    if (claimants.size > 1) {
      refused.push({
        entry,
        reason: `${key} is claimed by ${claimants.size} servers (${[...claimants].join(', ')}); none of them is forwarded until only one holds it.`,
        cause: 'claimed',
      });
      return false;
    }
    if (taken.has(key)) {
      refused.push({
        entry,
        reason: `${key} of ${entry.serverName} is not forwarded: a service on the edge host listens on it, and forwarding would take the port from it.`,
        cause: 'listening',
      });
      return false;
    }
    return true;
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
function collection(
  kind: 'map' | 'set',
  name: string,
  type: string,
  elements: string[],
  flags: string[] = [],
): string {
  const lines = [`  ${kind} ${name} {`, `    type ${type}`, ...flags.map((flag) => `    ${flag}`)];
  if (elements.length > 0) lines.push(`    elements = { ${elements.join(',\n      ')} }`);
  lines.push('  }');
  return lines.join('\n');
}
