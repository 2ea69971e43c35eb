import type { BackupReason, CreateRoute, Job, JobKind, PoolMode } from '@guildserver/contracts';
import { and, asc, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { jobSteps, jobs, servers } from '../db/schema.js';
import { newJobId, now } from './ids.js';
import { planOf } from './plans.js';

type Tx = Pick<Db, 'insert'>;

/** What a job was asked to do beyond its kind (stored as JSON on the job). */
export interface JobParams {
  /** backup: why it is made (the last word of its notes). */
  reason?: BackupReason;
  /** backup: pin it at once. */
  protected?: boolean;
  /** backup: the state the server returns to when the job ends, well or not (it was up or down before). */
  returnTo?: 'running' | 'stopped';
  /** restore: the archive's volume id. */
  volid?: string;
  /** delete: make no final backup first. */
  skipFinalBackup?: boolean;
  /** The schedule that queued the job: its failure is announced once, its success clears that. */
  scheduleId?: string;
  /**
   * create: the game image chosen when it was asked for (its current one), cloned instead of the base template;
   * the game is then only configured. Absent: the full install.
   */
  image?: GameImageRef;
  /** create: the warm-pool VM it took when it was asked for; its VM id is the server's. */
  pool?: { id: string; mode: PoolMode };
  /** create: how long creates of its game by its route took lately (median, request to done), when asked. */
  expectedSeconds?: number;
  /** wake: a player's join at the edge asked for it (the channel hears that someone is joining). */
  trigger?: 'join';
}

/** A game image as a job names it: where it is, and the recipe it was built from. */
export interface GameImageRef {
  vmid: number;
  node: string;
  recipe: string;
}

/** How a create is made, from what it was asked with. */
export const routeOf = (params: JobParams): CreateRoute =>
  params.pool ? 'pool' : params.image ? 'image' : 'install';

export function parseJobParams(text: string | null): JobParams {
  return text ? (JSON.parse(text) as JobParams) : {};
}

/** Records a job and its planned steps (all pending); the caller enqueues it after the transaction commits. */
export function insertJob(
  tx: Tx,
  serverId: string,
  kind: JobKind,
  requestedBy: string | undefined,
  params: JobParams = {},
): string {
  const id = newJobId();
  tx.insert(jobs)
    .values({
      id,
      serverId,
      kind,
      state: 'queued',
      params: Object.keys(params).length > 0 ? JSON.stringify(params) : null,
      requestedBy: requestedBy ?? null,
      createdAt: now(),
    })
    .run();
  const steps: (typeof jobSteps.$inferInsert)[] = planOf(kind, params).map((planned, position) => ({
    jobId: id,
    position,
    name: planned.name,
    title: planned.title,
    state: 'pending',
  }));
  tx.insert(jobSteps).values(steps).run();
  return id;
}

export function jobKindOf(db: Db, id: string): JobKind | undefined {
  return db.select({ kind: jobs.kind }).from(jobs).where(eq(jobs.id, id)).get()?.kind;
}

export function jobView(db: Db, id: string): Job | undefined {
  const row = db.select().from(jobs).where(eq(jobs.id, id)).get();
  if (!row) return undefined;
  const params = parseJobParams(row.params);
  const steps = db
    .select()
    .from(jobSteps)
    .where(eq(jobSteps.jobId, id))
    .orderBy(asc(jobSteps.position))
    .all();
  return {
    id: row.id,
    serverId: row.serverId,
    kind: row.kind,
    state: row.state,
    steps: steps.map((s) => ({
      name: s.name,
      title: s.title,
      state: s.state,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      durationMs: s.startedAt && s.finishedAt ? Date.parse(s.finishedAt) - Date.parse(s.startedAt) : null,
      detail: s.detail,
      error: s.error,
    })),
    error: row.errorCode
      ? { code: row.errorCode, message: row.errorMessage ?? '', step: row.errorStep }
      : null,
    log: row.log,
    route: row.kind === 'create' ? routeOf(params) : null,
    expectedSeconds: params.expectedSeconds ?? null,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

/** How many recent creates the expected time is the median of. */
const EXPECTED_FROM_LAST = 5;

/**
 * How long creates of this game by this route took lately, from the request to done (the median of the last
 * few that succeeded, in whole seconds); undefined until one has.
 */
export function expectedCreateSeconds(db: Db, gameId: string, route: CreateRoute): number | undefined {
  const recent = db
    .select({ params: jobs.params, createdAt: jobs.createdAt, finishedAt: jobs.finishedAt })
    .from(jobs)
    .innerJoin(servers, eq(servers.id, jobs.serverId))
    .where(and(eq(jobs.kind, 'create'), eq(jobs.state, 'succeeded'), eq(servers.game, gameId)))
    .orderBy(desc(jobs.finishedAt))
    .limit(EXPECTED_FROM_LAST * 4)
    .all()
    .filter((job) => routeOf(parseJobParams(job.params)) === route);
  return medianSeconds(recent);
}

/** How long the server's wakes took lately, from the request to the game answering (median, whole seconds). */
export function expectedWakeSeconds(db: Pick<Db, 'select'>, serverId: string): number | undefined {
  const recent = db
    .select({ createdAt: jobs.createdAt, finishedAt: jobs.finishedAt })
    .from(jobs)
    .where(and(eq(jobs.serverId, serverId), eq(jobs.kind, 'wake'), eq(jobs.state, 'succeeded')))
    .orderBy(desc(jobs.finishedAt))
    .limit(EXPECTED_FROM_LAST)
    .all();
  return medianSeconds(recent);
}

/** The median time of the last few finished jobs, in whole seconds (at least 1); undefined without one. */
function medianSeconds(rows: { createdAt: string; finishedAt: string | null }[]): number | undefined {
  const recent = rows
    .filter((job) => job.finishedAt)
    .slice(0, EXPECTED_FROM_LAST)
    .map((job) => (Date.parse(job.finishedAt!) - Date.parse(job.createdAt)) / 1000)
    .sort((a, b) => a - b);
  if (recent.length === 0) return undefined;
  const middle = recent.length / 2;
  const median =
    recent.length % 2 === 1 ? recent[Math.floor(middle)]! : (recent[middle - 1]! + recent[middle]!) / 2;
  return Math.max(1, Math.round(median));
}
