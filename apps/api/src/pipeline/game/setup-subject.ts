// What a server's game setup is about, read from its stored row and ports: the worker's setup_game and the
// dynamic inventory (GET /v1/inventory) both build the playbook variables from this, so they cannot drift.
import type { GameDefinition } from '@guildserver/games';
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { ports, type servers } from '../../db/schema.js';
import type { GamePort } from './game-runner.js';
import type { PlaybookRequest } from './playbook-vars.js';

type ServerRow = typeof servers.$inferSelect;

/** The server's allocated ports, in the order the playbook gets them (by external port). */
export function serverGamePorts(db: Db, serverId: string): GamePort[] {
  return db
    .select()
    .from(ports)
    .where(eq(ports.serverId, serverId))
    .orderBy(asc(ports.port))
    .all()
    .map((p) => ({
      purpose: p.purpose,
      protocol: p.protocol as 'tcp' | 'udp',
      port: p.port,
      guestPort: p.guestPort,
    }));
}

export function setupSubject(db: Db, server: ServerRow, game: GameDefinition): PlaybookRequest {
  return {
    server: { id: server.id, name: server.name, guildId: server.guildId },
    game,
    ports: serverGamePorts(db, server.id),
    size: { cores: server.cores, memory: server.memoryMiB, disk: server.diskGiB },
  };
}
