// The hot read paths (listing servers and their ports) as prepared statements: `GET /v1/servers` is the
// API's busiest route, and building the query through the ORM on each call cost more than running it.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/database.js';
import type { ServerRow } from './server-view.js';

const COLUMNS = `id, name, game, guild_id AS guildId, owner_id AS ownerId, channel_id AS channelId, state,
  cores, memory_mib AS memoryMiB, disk_gib AS diskGiB, vmid, node, ipv4, players_online AS playersOnline,
  players_max AS playersMax, failure_code AS failureCode, failure_message AS failureMessage,
  failure_step AS failureStep, current_job_id AS currentJobId, created_at AS createdAt,
  updated_at AS updatedAt, deleted_at AS deletedAt`;

export interface PortRow {
  serverId: string;
  port: number;
  protocol: string;
  purpose: string;
  guestPort: number;
}

const statements = new WeakMap<Db, Map<string, Statement>>();

function prepared(db: Db, sql: string): Statement {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.$client.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

export interface ListFilter {
  guildId?: string;
  ownerId?: string;
  /** Ids greater than this (the cursor is the last id of the previous page). */
  after?: string;
  limit: number;
}

/** Live servers, oldest id first; one statement per combination of filters. */
export function selectServerPage(db: Db, filter: ListFilter): ServerRow[] {
  const where = ['deleted_at IS NULL'];
  const params: (string | number)[] = [];
  if (filter.guildId) {
    where.push('guild_id = ?');
    params.push(filter.guildId);
  }
  if (filter.ownerId) {
    where.push('owner_id = ?');
    params.push(filter.ownerId);
  }
  if (filter.after) {
    where.push('id > ?');
    params.push(filter.after);
  }
  const sql = `SELECT ${COLUMNS} FROM servers WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`;
  return prepared(db, sql).all(...params, filter.limit) as ServerRow[];
}

export function selectPortsOf(db: Db, serverIds: readonly string[]): PortRow[] {
  if (serverIds.length === 0) return [];
  return prepared(
    db,
    `SELECT server_id AS serverId, port, protocol, purpose, guest_port AS guestPort FROM ports
     WHERE server_id IN (SELECT value FROM json_each(?)) ORDER BY port`,
  ).all(JSON.stringify(serverIds)) as PortRow[];
}
