// What a server's game setup is about, read from its stored row and ports: the worker's setup_game and the
// dynamic inventory (GET /v1/inventory) both build the playbook variables from this, so they cannot drift.
import type { GameDefinition } from '@guildserver/games';
import type { Db } from '../../db/database.js';
import type { ServerRow } from '../../db/schema.js';
import { serverPorts } from '../../domain/server-ports.js';
import type { PlaybookRequest } from './playbook-vars.js';

export function setupSubject(db: Db, server: ServerRow, game: GameDefinition): PlaybookRequest {
  return {
    server: { id: server.id, name: server.name, guildId: server.guildId },
    game,
    ports: serverPorts(db, server.id),
    size: { cores: server.cores, memory: server.memoryMiB, disk: server.diskGiB },
  };
}
