// What game servers report about themselves without being asked: Luanti's server-list announces. A report is
// trusted only from the address of a server's own VM, about one of that server's own (guest) ports.
import type { LuantiAnnounce } from '@guildserver/game-query';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { ports, servers } from '../db/schema.js';
import { DomainError } from './errors.js';
import { now } from './ids.js';

/** States in which a server's VM is expected to be up (preferred when a stale row shares the address). */
const LIVE = new Set(['creating', 'starting', 'running', 'restarting']);

export interface AnnouncingServer {
  id: string;
  name: string;
  state: string;
}

/** The servers whose VM has this IPv4; throws `forbidden` when there is none (the sender is no server of ours). */
export function serversAtSender(db: Db, source: string): AnnouncingServer[] {
  const found = source
    ? db
        .select({ id: servers.id, name: servers.name, state: servers.state })
        .from(servers)
        .where(and(eq(servers.ipv4, source), isNull(servers.deletedAt)))
        .orderBy(desc(servers.updatedAt))
        .all()
    : [];
  if (found.length === 0) {
    throw new DomainError(
      'forbidden',
      `Only GuildServer's game servers may report here, and ${source || 'this sender'} is the address of none.`,
    );
  }
  return found;
}

/**
 * Which of the servers at `source` a report about `port` belongs to: one with that guest port (a live one
 * first, should a stopped server's old address have been handed to another VM). Throws `forbidden` otherwise.
 */
export function reportingServer(
  db: Db,
  candidates: readonly AnnouncingServer[],
  source: string,
  port: number,
): AnnouncingServer {
  const owning = candidates.filter(
    (server) =>
      db
        .select({ port: ports.port })
        .from(ports)
        .where(and(eq(ports.serverId, server.id), eq(ports.guestPort, port)))
        .get() !== undefined,
  );
  const chosen = owning.find((server) => LIVE.has(server.state)) ?? owning[0];
  if (!chosen) {
    throw new DomainError(
      'forbidden',
      `The server at ${source} has no port ${port}; only reports about its own game ports are taken.`,
    );
  }
  return chosen;
}

/**
 * Stores what the announce says of players: `start`/`update` carry the count and the maximum; `delete` (the
 * game is shutting down) leaves the count unknown.
 */
export function recordAnnounce(db: Db, serverId: string, announce: LuantiAnnounce): void {
  const changes: { playersOnline?: number | null; playersMax?: number } = {};
  if (announce.action === 'delete') changes.playersOnline = null;
  else {
    if (announce.clients !== undefined) changes.playersOnline = Math.floor(announce.clients);
    if (announce.clientsMax !== undefined) changes.playersMax = Math.floor(announce.clientsMax);
  }
  if (Object.keys(changes).length === 0) return;
  db.update(servers)
    .set({ ...changes, updatedAt: now() })
    .where(eq(servers.id, serverId))
    .run();
}
