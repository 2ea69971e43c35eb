// A server's ports in the one shape of @guildserver/games (`GamePort`), with the number players use. Every
// write and read of the `ports` table goes through here.
import { type GamePort, isPortPurpose } from '@guildserver/games';
import type { Db } from '../db/database.js';
import type { ports } from '../db/schema.js';
import { type PortRow, selectPortsOf } from './server-queries.js';

/** One of the game's published ports, allocated to a server. */
export interface ServerPort extends GamePort {
  /** The port players use on HOST_EXTERNAL. */
  port: number;
}

/** The row that stores a game port allocated to a server at `port`. */
export function portRow(serverId: string, gamePort: GamePort, port: number): typeof ports.$inferInsert {
  const { purpose, index, protocol, guestPort } = gamePort;
  return { serverId, port, protocol, purpose, index, guestPort };
}

export function toServerPort(row: PortRow): ServerPort {
  if (!isPortPurpose(row.purpose)) {
    throw new Error(`A port row has the purpose '${row.purpose}', which no catalog port has.`);
  }
  return {
    purpose: row.purpose,
    index: row.index,
    protocol: row.protocol,
    guestPort: row.guestPort,
    // Only published ports are allocated.
    published: true,
    port: row.port,
  };
}

/** The server's ports, lowest external port first. */
export function serverPorts(db: Db, serverId: string): ServerPort[] {
  return selectPortsOf(db, [serverId]).map(toServerPort);
}
