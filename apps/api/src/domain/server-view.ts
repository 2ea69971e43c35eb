import { type AllocatedPort, joinPortOf, type Server } from '@guildserver/contracts';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { type ServerRow, servers } from '../db/schema.js';
import { toServerPort } from './server-ports.js';
import { selectPortsOf } from './server-queries.js';

function portsByServer(db: Db, ids: string[]): Map<string, AllocatedPort[]> {
  const byServer = new Map<string, AllocatedPort[]>();
  for (const row of selectPortsOf(db, ids)) {
    const { purpose, index, protocol, port, guestPort } = toServerPort(row);
    const list = byServer.get(row.serverId) ?? [];
    list.push({ purpose, index, protocol, port, guestPort });
    byServer.set(row.serverId, list);
  }
  return byServer;
}

/** Rows → the API's shape; one query for all their ports. */
export function serverViews(db: Db, rows: ServerRow[], hostExternal: string): Server[] {
  const allPorts = portsByServer(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((row) => {
    const list = allPorts.get(row.id) ?? [];
    const game = joinPortOf(list);
    return {
      id: row.id,
      name: row.name,
      game: row.game,
      guildId: row.guildId,
      ownerId: row.ownerId,
      channelId: row.channelId,
      state: row.state,
      size: { cores: row.cores, memory: row.memoryMiB, disk: row.diskGiB },
      vmid: row.vmid,
      node: row.node,
      ipv4: row.ipv4,
      address: game && row.state === 'running' ? `${hostExternal}:${game.port}` : null,
      ports: list,
      players:
        row.playersOnline !== null && row.playersMax !== null
          ? { online: row.playersOnline, max: row.playersMax }
          : null,
      failure: row.failureCode
        ? { code: row.failureCode, message: row.failureMessage ?? '', step: row.failureStep }
        : null,
      currentJobId: row.currentJobId,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  });
}

export function serverView(db: Db, id: string, hostExternal: string): Server | undefined {
  const row = db.select().from(servers).where(eq(servers.id, id)).get();
  return row ? serverViews(db, [row], hostExternal)[0] : undefined;
}
