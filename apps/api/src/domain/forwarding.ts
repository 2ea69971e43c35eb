// What the edge should forward: every port of every server whose ports are published (publish_ports of a
// create, start or restart; unpublish_ports of a stop, restart or delete) and whose VM has an address. The
// generation is the event log's head, so it grows with every change and a job can wait for the edge to report
// one at least as new as its own change.
import type { ForwardingTable } from '@guildserver/contracts';
import { and, asc, eq, isNotNull, isNull } from 'drizzle-orm';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import { ports, servers } from '../db/schema.js';
import { lastEventId } from './events.js';

export function forwardingTable(
  db: Db,
  config: Pick<ApiConfig, 'portRange' | 'hostExternal'>,
): ForwardingTable {
  // One read transaction (one connection, so the event head and the rows are the same snapshot).
  return db.transaction((tx) => {
    const generation = lastEventId(db);
    const rows = tx
      .select({
        serverId: servers.id,
        serverName: servers.name,
        vmIpv4: servers.ipv4,
        protocol: ports.protocol,
        publishedPort: ports.port,
        guestPort: ports.guestPort,
      })
      .from(ports)
      .innerJoin(servers, eq(servers.id, ports.serverId))
      .where(and(isNotNull(servers.publishedGeneration), isNotNull(servers.ipv4), isNull(servers.deletedAt)))
      .orderBy(asc(ports.port), asc(ports.protocol))
      .all();
    return { generation, hostExternal: config.hostExternal, portRange: config.portRange, entries: rows };
  });
}
