// What the edge should forward: every port of every server whose ports are published (publish_ports of a
// create, start or restart; unpublish_ports of a stop, restart or delete) and whose VM has an address; and the
// sleeping servers, whose ports the edge answers for itself until a join wakes them. The generation is the event
// log's head, so it grows with every change and a job can wait for the edge to report one at least as new as its
// own change.
import { ASLEEP_VERSION_MAX_LENGTH, type AsleepEntry, type ForwardingTable } from '@guildserver/contracts';
import { defaultMaxPlayers } from '@guildserver/game-query';
import { getGame } from '@guildserver/games';
import { and, asc, eq, isNotNull, isNull } from 'drizzle-orm';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import { ports, servers } from '../db/schema.js';
import { lastEventId } from './events.js';
import { expectedWakeSeconds } from './jobs.js';
import { serverPorts } from './server-ports.js';

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
    return {
      generation,
      hostExternal: config.hostExternal,
      portRange: config.portRange,
      entries: rows,
      asleep: asleepEntries(db),
    };
  });
}

/** What a sleeping server's ports say while the edge holds them, in the words players read. */
function asleepEntries(db: Db): AsleepEntry[] {
  const sleeping = db
    .select()
    .from(servers)
    .where(and(eq(servers.state, 'sleeping'), isNull(servers.deletedAt)))
    .orderBy(asc(servers.id))
    .all();
  return sleeping.flatMap((server) => {
    const game = getGame(server.game);
    if (!game) return [];
    const seconds = expectedWakeSeconds(db, server.id);
    return [
      {
        serverId: server.id,
        serverName: server.name,
        game: server.game,
        ports: serverPorts(db, server.id).map((p) => ({
          purpose: p.purpose,
          index: p.index,
          protocol: p.protocol,
          publishedPort: p.port,
        })),
        status: `${server.name} is asleep — join to wake it${seconds === undefined ? '' : ` (ready in about ${seconds} s)`}`,
        joinMessage: `${server.name} is waking up — join again in ${seconds === undefined ? 'a minute' : `about ${seconds} s`}`,
        maxPlayers: server.playersMax ?? defaultMaxPlayers(game),
        // One longer than the contract allows is left out (the edge would refuse the whole table).
        ...(server.gameVersion !== null && server.gameVersion.length <= ASLEEP_VERSION_MAX_LENGTH
          ? { version: server.gameVersion }
          : {}),
      },
    ];
  });
}
