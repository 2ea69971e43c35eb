// The hot read paths (listing servers and their ports) as prepared statements: `GET /v1/servers` is the
// API's busiest route, and building the query through the ORM on each call cost more than running it.
import type { Statement } from 'better-sqlite3';
import { getTableColumns } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { type ports, type ServerRow, servers } from '../db/schema.js';
import type { Reach } from './actor.js';

/** Every column of `servers` under its ServerRow name, read from the schema so no column is ever left out. */
const COLUMNS = Object.entries(getTableColumns(servers))
  .map(([key, column]) => `${column.name} AS ${key}`)
  .join(', ');

export type PortRow = typeof ports.$inferSelect;

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
  /** Servers created after this one (the cursor is the last id of the previous page). */
  after?: string;
  /** Only the servers the reader reaches (`reachOf`). */
  reach?: Reach;
  limit: number;
}

/** Live servers, oldest first; one statement per combination of filters. */
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
  if (filter.reach && !filter.reach.all) {
    const mine: string[] = [];
    if (filter.reach.ownerId !== undefined) {
      mine.push('owner_id = ?');
      params.push(filter.reach.ownerId);
    }
    if (filter.reach.guildId !== undefined) {
      mine.push('guild_id = ?');
      params.push(filter.reach.guildId);
    }
    where.push(mine.length > 0 ? `(${mine.join(' OR ')})` : '0 = 1');
  }
  if (filter.after) {
    where.push('rowid > (SELECT rowid FROM servers WHERE id = ?)');
    params.push(filter.after);
  }
  // rowid is the order rows were inserted in: oldest server first (ids are random).
  const sql = `SELECT ${COLUMNS} FROM servers WHERE ${where.join(' AND ')} ORDER BY rowid LIMIT ?`;
  return prepared(db, sql).all(...params, filter.limit) as ServerRow[];
}

export function selectPortsOf(db: Db, serverIds: readonly string[]): PortRow[] {
  if (serverIds.length === 0) return [];
  return prepared(
    db,
    `SELECT server_id AS serverId, port, protocol, purpose, "index", guest_port AS guestPort FROM ports
     WHERE server_id IN (SELECT value FROM json_each(?)) ORDER BY port`,
  ).all(JSON.stringify(serverIds)) as PortRow[];
}
