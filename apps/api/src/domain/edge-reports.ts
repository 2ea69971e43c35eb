// What each edge last told the API (PUT /v1/edge/status), and what that means: is an edge following, how far
// behind is it, has it applied a given generation. A job that publishes a server's ports waits on
// `edgeHasApplied`; /readyz and `gs edge status` show `edgeStatus`.
import type { EdgeReport, EdgeState, EdgeStatus, RefusedForward } from '@guildserver/contracts';
import { desc } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { edgeReports, edgeTraffic } from '../db/schema.js';
import { type Actor, isAdmin } from './actor.js';
import { DomainError } from './errors.js';
import { lastEventId } from './events.js';

/** An edge re-reads the table at least every 30 s and reports each time: three missed reports is stale. */
export const EDGE_STALE_AFTER_MS = 90_000;

/** Only an edge reports what it applied. */
export function requireEdgeReporter(actor: Actor): void {
  if (!actor.scopes.includes('edge')) {
    throw new DomainError('forbidden', 'Only a token with the edge scope may report as an edge.');
  }
}

/** The forwarding table, its stream and the edges' status are for the edge and admins: they name every VM. */
export function requireEdgeReader(actor: Actor): void {
  if (!isAdmin(actor) && !actor.scopes.includes('edge')) {
    throw new DomainError(
      'forbidden',
      'Only a token with the edge or admin scope may read the edge’s tables.',
    );
  }
}

export function recordEdgeReport(db: Db, report: EdgeReport, now: Date = new Date()): void {
  const row = {
    name: report.name,
    mode: report.mode,
    snat: report.snat,
    appliedGeneration: report.appliedGeneration,
    forwarded: report.forwarded,
    refused: JSON.stringify(report.refused),
    problem: report.problem,
    reportedAt: now.toISOString(),
  };
  db.transaction((tx) => {
    tx.insert(edgeReports).values(row).onConflictDoUpdate({ target: edgeReports.name, set: row }).run();
    for (const { serverId, packets, bytes } of report.traffic ?? []) {
      const counted = { edgeName: report.name, serverId, packets, bytes, reportedAt: row.reportedAt };
      tx.insert(edgeTraffic)
        .values(counted)
        .onConflictDoUpdate({ target: [edgeTraffic.edgeName, edgeTraffic.serverId], set: counted })
        .run();
    }
  });
}

export function edgeStatus(db: Db, now: Date = new Date()): EdgeStatus {
  const generation = lastEventId(db);
  const edges = db
    .select()
    .from(edgeReports)
    .orderBy(desc(edgeReports.reportedAt))
    .all()
    .map(
      (row): EdgeState => ({
        name: row.name,
        mode: row.mode as EdgeState['mode'],
        snat: row.snat as EdgeState['snat'],
        appliedGeneration: row.appliedGeneration,
        forwarded: row.forwarded,
        refused: JSON.parse(row.refused) as RefusedForward[],
        problem: row.problem,
        reportedAt: row.reportedAt,
        stale: now.getTime() - Date.parse(row.reportedAt) > EDGE_STALE_AFTER_MS,
        lag: row.appliedGeneration === null ? null : Math.max(0, generation - row.appliedGeneration),
      }),
    );
  return { generation, edges };
}

/** The edges that follow the API now: reported within EDGE_STALE_AFTER_MS. */
export function liveEdges(status: EdgeStatus): EdgeState[] {
  return status.edges.filter((edge) => !edge.stale);
}

/** Has every live edge (and at least one) applied `generation` or a later one? */
export function edgeHasApplied(status: EdgeStatus, generation: number): boolean {
  const live = liveEdges(status);
  return live.length > 0 && live.every((edge) => (edge.appliedGeneration ?? -1) >= generation);
}

/** Has any edge ever reported? (EDGE=auto waits for the edge only once one exists.) */
export function anyEdgeReported(db: Db): boolean {
  return db.select({ name: edgeReports.name }).from(edgeReports).limit(1).all().length > 0;
}

/**
 * The edge in one sentence, for /readyz: null when every live edge is healthy and caught up (or lagging
 * only by changes made in the last moments), else what is wrong and what to do.
 */
export function edgeProblem(status: EdgeStatus): string | null {
  if (status.edges.length === 0) {
    return 'No edge has reported yet, so no game port is forwarded by GuildServer: start `gs edge up` on the edge host (docs/networking.md).';
  }
  const live = liveEdges(status);
  if (live.length === 0) {
    const newest = status.edges[0]!;
    return `The edge ${newest.name} last reported at ${newest.reportedAt}; it keeps forwarding what it had, but applies no change until it runs again (\`gs edge up\`).`;
  }
  const failing = live.find((edge) => edge.problem !== null);
  if (failing) return `The edge ${failing.name} reports: ${failing.problem}`;
  return null;
}

/** The edge's part of /readyz: the API's generation, the newest applied one, the lag, and any problem. */
export function edgeReadiness(
  db: Db,
  config: { mode: 'required' | 'auto' | 'none' },
): { mode: string; generation: number; applied: number | null; lag: number | null; problem: string | null } {
  const status = edgeStatus(db);
  const live = liveEdges(status);
  const applied = live.length === 0 ? null : Math.min(...live.map((edge) => edge.appliedGeneration ?? 0));
  return {
    mode: config.mode,
    generation: status.generation,
    applied,
    lag: applied === null ? null : Math.max(0, status.generation - applied),
    problem: config.mode === 'none' ? null : edgeProblem(status),
  };
}

/** What the edges mean for every server's address at once (see `publication` in the server view). */
export interface EdgePicture {
  /** GuildServer forwards nothing here: EDGE=none, or EDGE=auto before any edge reported. */
  manual: boolean;
  /** The oldest generation the following edges applied (all of them, when none follows now). */
  applied: number | null;
  /** Every such edge runs dry. */
  dry: boolean;
}

export function edgePicture(db: Db, config: { mode: 'required' | 'auto' | 'none' }): EdgePicture {
  if (config.mode === 'none') return { manual: true, applied: null, dry: false };
  const status = edgeStatus(db);
  if (status.edges.length === 0) return { manual: config.mode === 'auto', applied: null, dry: false };
  // An edge that stopped reporting keeps forwarding what it applied last.
  const live = liveEdges(status);
  const edges = live.length > 0 ? live : status.edges;
  const applied = Math.min(...edges.map((edge) => edge.appliedGeneration ?? -1));
  return { manual: false, applied: applied < 0 ? null : applied, dry: edges.every((e) => e.mode === 'dry') };
}
