// The player monitor: every MONITOR_INTERVAL (the BullMQ job scheduler `system:player-monitor`, queue/
// schedule-queue.ts) a worker asks each running server's game who plays, the way wait_game does, keeps the
// answer (domain/player-activity.ts), and puts servers idle for their idle period to sleep
// (domain/sleep-policy.ts).
import { getGame } from '@guildserver/games';
import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { MonitorConfig } from '../config.js';
import type { Db } from '../db/database.js';
import { servers } from '../db/schema.js';
import type { Actor } from '../domain/actor.js';
import { DomainError } from '../domain/errors.js';
import { type PlayerCheck, prunePlayerSamples, recordPlayerCheck } from '../domain/player-activity.js';
import { type JobQueueDeps, queueServerJob } from '../domain/server-jobs.js';
import { serverPorts } from '../domain/server-ports.js';
import { decideSleep } from '../domain/sleep-policy.js';
import { serverIdleSleep } from '../domain/sleep-settings.js';
import { type GameProbe, guestQueryPort } from '../pipeline/game/game-probe.js';

/** Games asked at once: a slow or silent one holds up one lane, not the round. */
const LANES = 8;
/** How long one game may take to answer. */
const QUERY_TIMEOUT_MS = 3_000;

export interface PlayerMonitorDeps {
  db: Db;
  probe: GameProbe;
  monitor: MonitorConfig;
  /** Where the sleep jobs of idle servers are queued. */
  jobs: JobQueueDeps;
}

/** Who queues an idle server's sleep: the system itself, audited as `idle-sleep`. */
export const IDLE_SLEEPER: Actor = { tokenId: 'idle-sleep', scopes: ['admin'] };

interface Watched {
  id: string;
  name: string;
  game: string;
  ipv4: string;
}

async function check(deps: PlayerMonitorDeps, server: Watched): Promise<PlayerCheck> {
  const game = getGame(server.game);
  if (!game) return { up: false };
  const result = await deps.probe.query({
    game,
    server: { id: server.id, name: server.name },
    ipv4: server.ipv4,
    port: guestQueryPort(game, serverPorts(deps.db, server.id)),
    timeoutMs: QUERY_TIMEOUT_MS,
    signal: AbortSignal.timeout(QUERY_TIMEOUT_MS + 1_000),
  });
  if (!result.up) return { up: false };
  return {
    up: true,
    players: result.players,
    ...(result.version !== undefined ? { version: result.version } : {}),
  };
}

/**
 * One round: every running server with no job on it (a job's own checks take over while it runs), then old
 * samples pruned. Resolves with what it found, in a sentence, for the housekeeping log.
 */
export async function monitorPlayers(deps: PlayerMonitorDeps): Promise<string> {
  const watched = deps.db
    .select({ id: servers.id, name: servers.name, game: servers.game, ipv4: servers.ipv4 })
    .from(servers)
    .where(
      and(
        eq(servers.state, 'running'),
        isNull(servers.currentJobId),
        isNotNull(servers.ipv4),
        isNull(servers.deletedAt),
      ),
    )
    .all() as Watched[];
  const queue = [...watched];
  let players = 0;
  let silent = 0;
  const lane = async () => {
    for (let server = queue.shift(); server; server = queue.shift()) {
      const found = await check(deps, server).catch((): PlayerCheck => ({ up: false }));
      if (!found.up) silent++;
      players += found.players?.online ?? 0;
      recordPlayerCheck(deps.db, server.id, found);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LANES, watched.length) }, lane));
  const pruned = prunePlayerSamples(deps.db);
  const sleeping = await putIdleServersToSleep(deps);
  return (
    `asked ${watched.length} running server(s): ${players} player(s) online` +
    (silent > 0 ? `, ${silent} not answering` : '') +
    (sleeping > 0 ? `; ${sleeping} idle server(s) put to sleep` : '') +
    (pruned > 0 ? `; ${pruned} old sample(s) removed` : '')
  );
}

/** Queues a sleep job for each running server the policy says should sleep now; resolves with how many. */
async function putIdleServersToSleep(deps: PlayerMonitorDeps): Promise<number> {
  const { db, monitor } = deps;
  const atMs = Date.now();
  const candidates = db
    .select()
    .from(servers)
    .where(
      and(
        eq(servers.state, 'running'),
        isNull(servers.currentJobId),
        isNotNull(servers.idleSince),
        isNull(servers.deletedAt),
      ),
    )
    .all();
  let queued = 0;
  for (const server of candidates) {
    const { afterMs } = serverIdleSleep(db, server, monitor.idleAfterMs);
    if (!decideSleep(server, afterMs, monitor.minAwakeMs, atMs).sleep) continue;
    try {
      await queueServerJob(deps.jobs, server.id, 'sleep', IDLE_SLEEPER);
      queued++;
    } catch (error) {
      // Another job took the server since it was read: it is no longer idle in the policy's sense.
      if (!(error instanceof DomainError) || error.code !== 'invalid_state') throw error;
    }
  }
  return queued;
}
