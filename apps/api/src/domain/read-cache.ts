import type { Db } from '../db/database.js';

/**
 * A version of the whole database as this connection sees it: SQLite's `data_version` moves when another
 * connection (a worker process) commits, `total_changes()` when this one writes. Equal versions mean no row
 * changed, so an answer computed at that version is still exact.
 */
export function databaseVersion(db: Db): string {
  const statement = versionStatements.get(db) ?? prepare(db);
  const row = statement.get() as { data: number; own: number };
  return `${row.data}:${row.own}`;
}

const versionStatements = new WeakMap<Db, ReturnType<Db['$client']['prepare']>>();
function prepare(db: Db) {
  const statement = db.$client.prepare(
    'SELECT (SELECT data_version FROM pragma_data_version) AS data, total_changes() AS own',
  );
  versionStatements.set(db, statement);
  return statement;
}

/** Remembers serialised answers per key until the database version moves. Bounded; oldest dropped first. */
export function createReadCache(db: Db, maxEntries = 500) {
  const entries = new Map<string, { version: string; body: string }>();
  return {
    get(key: string, compute: () => unknown): string {
      const version = databaseVersion(db);
      const hit = entries.get(key);
      if (hit && hit.version === version) return hit.body;
      const body = JSON.stringify(compute());
      entries.delete(key);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { version, body });
      return body;
    },
  };
}
