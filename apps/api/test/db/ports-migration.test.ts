// A database written before ports had an index (`game`, `game-2` in one purpose column) is migrated by
// openDatabase into purpose and index, with nothing else about its ports changed.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';

const MIGRATIONS = join(import.meta.dirname, '..', '..', 'src', 'db', 'migrations');

/** A database file as the first migration left it: the schema before ports had an index. */
function databaseBeforeIndex(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gs-ports-migration-'));
  const firstOnly = join(dir, 'migrations');
  cpSync(MIGRATIONS, firstOnly, { recursive: true });
  const journalFile = join(firstOnly, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((entry) => entry.tag === '0000_init');
  writeFileSync(journalFile, JSON.stringify(journal));
  const path = join(dir, 'db.sqlite');
  const sqlite = new Sqlite(path);
  migrate(drizzle(sqlite), { migrationsFolder: firstOnly });
  const insert = sqlite.prepare(
    'INSERT INTO ports (port, protocol, server_id, purpose, guest_port) VALUES (?, ?, ?, ?, ?)',
  );
  // Satisfactory: two game ports, the first on both protocols; the second got the lower external number.
  insert.run(20011, 'tcp', 'srv_satisfactory', 'game', 7777);
  insert.run(20011, 'udp', 'srv_satisfactory', 'game', 7777);
  insert.run(20010, 'tcp', 'srv_satisfactory', 'game', 8888);
  // Valheim: one port of each purpose.
  insert.run(20020, 'udp', 'srv_valheim00001', 'game', 2456);
  insert.run(20021, 'udp', 'srv_valheim00001', 'query', 2457);
  // A run of game ports, stored as game-1 and game-2.
  insert.run(20030, 'udp', 'srv_arun00000001', 'game-1', 5000);
  insert.run(20031, 'udp', 'srv_arun00000001', 'game-2', 5001);
  insert.run(20032, 'udp', 'srv_arun00000001', 'query', 5002);
  sqlite.close();
  return path;
}

describe('the ports migration', () => {
  it('turns purpose strings into purpose and index, keeping every other column', () => {
    const db = openDatabase(databaseBeforeIndex());
    const rows = db.$client
      .prepare(
        'SELECT server_id AS serverId, port, protocol, purpose, "index", guest_port AS guestPort FROM ports ORDER BY port, protocol',
      )
      .all();
    expect(rows).toEqual([
      {
        serverId: 'srv_satisfactory',
        port: 20010,
        protocol: 'tcp',
        purpose: 'game',
        index: 2,
        guestPort: 8888,
      },
      {
        serverId: 'srv_satisfactory',
        port: 20011,
        protocol: 'tcp',
        purpose: 'game',
        index: 1,
        guestPort: 7777,
      },
      {
        serverId: 'srv_satisfactory',
        port: 20011,
        protocol: 'udp',
        purpose: 'game',
        index: 1,
        guestPort: 7777,
      },
      {
        serverId: 'srv_valheim00001',
        port: 20020,
        protocol: 'udp',
        purpose: 'game',
        index: 1,
        guestPort: 2456,
      },
      {
        serverId: 'srv_valheim00001',
        port: 20021,
        protocol: 'udp',
        purpose: 'query',
        index: 1,
        guestPort: 2457,
      },
      {
        serverId: 'srv_arun00000001',
        port: 20030,
        protocol: 'udp',
        purpose: 'game',
        index: 1,
        guestPort: 5000,
      },
      {
        serverId: 'srv_arun00000001',
        port: 20031,
        protocol: 'udp',
        purpose: 'game',
        index: 2,
        guestPort: 5001,
      },
      {
        serverId: 'srv_arun00000001',
        port: 20032,
        protocol: 'udp',
        purpose: 'query',
        index: 1,
        guestPort: 5002,
      },
    ]);
    db.$client.close();
  });

  it('keeps a port number and protocol to one server, and a purpose, index and protocol to one port of it', () => {
    const db = openDatabase(databaseBeforeIndex());
    const insert = db.$client.prepare(
      'INSERT INTO ports (port, protocol, server_id, purpose, "index", guest_port) VALUES (?, ?, ?, ?, ?, ?)',
    );
    expect(() => insert.run(20020, 'udp', 'srv_other0000001', 'game', 1, 2456)).toThrow(/UNIQUE/);
    expect(() => insert.run(20040, 'udp', 'srv_valheim00001', 'game', 1, 2456)).toThrow(/UNIQUE/);
    insert.run(20040, 'udp', 'srv_valheim00001', 'game', 2, 2458);
    db.$client.close();
  });
});
