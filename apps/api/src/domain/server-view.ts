import { type AllocatedPort, joinPortOf, type Publication, type Server } from '@guildserver/contracts';
import { eq } from 'drizzle-orm';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import { type ServerRow, servers } from '../db/schema.js';
import { type EdgePicture, edgePicture } from './edge-reports.js';
import { expectedWakeSeconds } from './jobs.js';
import { isIdle, peakPlayersSince, startOfDayIn } from './player-activity.js';
import { guildTimeZone } from './schedule-service.js';
import { toServerPort } from './server-ports.js';
import { selectPortsOf } from './server-queries.js';
import { effectiveIdleSleep, type GuildSleepRules } from './sleep-policy.js';
import { sleepRulesOf } from './sleep-settings.js';

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

/** While asleep or waking, a server says how long its wakes take. */
const WAKE_STATES: ReadonlySet<string> = new Set(['sleeping', 'waking']);

export type ViewConfig = Pick<ApiConfig, 'hostExternal' | 'edge' | 'monitor'>;

/** Does the address lead to the server? From its published generation and what the edges applied. */
function publicationOf(row: ServerRow, edges: EdgePicture): Publication {
  // Asleep, an edge holds its ports (the forwarding table lists it under `asleep`); without one nothing does.
  if (row.state === 'sleeping') return edges.manual ? 'closed' : 'asleep';
  if (row.publishedGeneration === null || row.state !== 'running') return 'closed';
  if (edges.manual) return 'manual';
  if (edges.applied === null || edges.applied < row.publishedGeneration) return 'pending';
  return edges.dry ? 'dry' : 'published';
}

/** Each server's peak today: one query per guild among the rows, from midnight in the guild's time zone. */
function peaksToday(db: Db, rows: ServerRow[], atMs: number): Map<string, number> {
  const byGuild = new Map<string, string[]>();
  for (const row of rows) byGuild.set(row.guildId, [...(byGuild.get(row.guildId) ?? []), row.id]);
  const peaks = new Map<string, number>();
  for (const [guildId, ids] of byGuild) {
    const midnight = startOfDayIn(guildTimeZone(db, guildId), atMs);
    for (const [id, peak] of peakPlayersSince(db, ids, midnight)) peaks.set(id, peak);
  }
  return peaks;
}

/** Rows → the API's shape; one query for all their ports, one for the edges, one per guild for the peaks. */
export function serverViews(db: Db, rows: ServerRow[], config: ViewConfig): Server[] {
  const { hostExternal } = config;
  const allPorts = portsByServer(
    db,
    rows.map((r) => r.id),
  );
  const edges = edgePicture(db, config.edge);
  const atMs = Date.now();
  const peaks = peaksToday(db, rows, atMs);
  const guildRules = new Map<string, GuildSleepRules>();
  const rulesOf = (guildId: string) => {
    const known = guildRules.get(guildId);
    if (known) return known;
    const rules = sleepRulesOf(db, guildId, config.monitor.idleAfterMs);
    guildRules.set(guildId, rules);
    return rules;
  };
  return rows.map((row) => {
    const sleep = {
      ...effectiveIdleSleep(rulesOf(row.guildId), row.idleSleep),
      wakeSeconds: WAKE_STATES.has(row.state) ? (expectedWakeSeconds(db, row.id) ?? null) : null,
    };
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
      // A sleeping server keeps its address: joining it is how players wake it.
      address:
        game && (row.state === 'running' || row.state === 'sleeping') ? `${hostExternal}:${game.port}` : null,
      publication: publicationOf(row, edges),
      ports: list,
      players:
        row.playersOnline !== null && row.playersMax !== null
          ? { online: row.playersOnline, max: row.playersMax }
          : null,
      activity: {
        checkedAt: row.playersCheckedAt,
        peakToday: peaks.get(row.id) ?? null,
        lastPlayerAt: row.lastPlayerAt,
        idleSince: row.idleSince,
        idle: row.state === 'running' && isIdle(row.idleSince, sleep.afterMs, atMs),
      },
      sleep,
      failure: row.failureCode
        ? { code: row.failureCode, message: row.failureMessage ?? '', step: row.failureStep }
        : null,
      currentJobId: row.currentJobId,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  });
}

export function serverView(db: Db, id: string, config: ViewConfig): Server | undefined {
  const row = db.select().from(servers).where(eq(servers.id, id)).get();
  return row ? serverViews(db, [row], config)[0] : undefined;
}
