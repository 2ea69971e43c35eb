// What players sent to each published port, cumulative over the daemon's life. Every generation replaces the
// whole table, and with it the counters (they restart at 0): right before a new table is applied the daemon
// reads the old one's counters and adds them to per-(server, protocol, port) offsets; a total is its offset
// plus what the table in force has counted since.
import type { ForwardingEntry, ServerTraffic } from '@guildserver/contracts';
import type { PortCount } from './nft.js';
import { portKey } from './ruleset.js';

export interface PortTotal {
  serverId: string;
  serverName: string;
  protocol: 'tcp' | 'udp';
  port: number;
  packets: number;
  bytes: number;
}

/** Who holds a published port in the table in force, for counts without a comment naming the server. */
export type Owners = ReadonlyMap<string, { serverId: string; serverName: string }>;

export function ownersOf(entries: readonly ForwardingEntry[]): Owners {
  return new Map(
    entries.map((e) => [
      portKey(e.protocol, e.publishedPort),
      { serverId: e.serverId, serverName: e.serverName },
    ]),
  );
}

const UNKNOWN = { serverId: 'unknown', serverName: 'unknown' };

export class PortTotals {
  private readonly offsets = new Map<string, PortTotal>();

  /** Adds the counts of a table about to be replaced (they restart at 0 in the new one). */
  absorb(counts: readonly PortCount[], owners: Owners = new Map()): void {
    for (const total of this.resolve(counts, owners)) {
      const key = keyOf(total);
      const offset = this.offsets.get(key);
      if (offset) {
        offset.packets += total.packets;
        offset.bytes += total.bytes;
      } else this.offsets.set(key, { ...total });
    }
  }

  /** Every port ever counted: its offset plus what the table in force (`current`) counted since. */
  totals(current: readonly PortCount[], owners: Owners = new Map()): PortTotal[] {
    const all = new Map<string, PortTotal>();
    for (const offset of this.offsets.values()) all.set(keyOf(offset), { ...offset });
    for (const count of this.resolve(current, owners)) {
      const key = keyOf(count);
      const known = all.get(key);
      if (known) {
        known.packets += count.packets;
        known.bytes += count.bytes;
      } else all.set(key, count);
    }
    return [...all.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  }

  private resolve(counts: readonly PortCount[], owners: Owners): PortTotal[] {
    return counts.map((count) => {
      const owner =
        count.serverId !== undefined
          ? { serverId: count.serverId, serverName: count.serverName ?? count.serverId }
          : (owners.get(portKey(count.protocol, count.port)) ?? UNKNOWN);
      return {
        ...owner,
        protocol: count.protocol,
        port: count.port,
        packets: count.packets,
        bytes: count.bytes,
      };
    });
  }
}

const keyOf = (t: PortTotal) => `${t.serverId}|${t.protocol}|${t.port}`;

/** Port totals summed per server, as the edge reports them (counts of no known server left out). */
export function trafficByServer(totals: readonly PortTotal[]): ServerTraffic[] {
  const byServer = new Map<string, ServerTraffic>();
  for (const total of totals) {
    if (total.serverId === UNKNOWN.serverId) continue;
    const sum = byServer.get(total.serverId) ?? { serverId: total.serverId, packets: 0, bytes: 0 };
    sum.packets += total.packets;
    sum.bytes += total.bytes;
    byServer.set(total.serverId, sum);
  }
  return [...byServer.values()];
}
