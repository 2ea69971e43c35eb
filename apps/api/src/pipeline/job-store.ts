// The runner's thin adapter over SQLite: every transition of a job, its steps and its server, each in one
// transaction together with its events (the outbox), so neither exists without the other.
import type { ProgressDetails } from '@guildserver/contracts';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { jobSteps, jobs, ports, type ServerRow, schedules, servers, vmIds } from '../db/schema.js';
import { type EventSubject, recordEvent } from '../domain/event-log.js';
import { now } from '../domain/ids.js';
import { parseJobParams } from '../domain/jobs.js';
import { NOT_PLAYING } from '../domain/player-activity.js';
import { noteScheduleFailed, noteScheduleSucceeded } from '../domain/schedule-outcomes.js';
import { type FinalState, finalStateOf } from './decisions.js';
import type { Verdict } from './failures.js';

export type JobRow = typeof jobs.$inferSelect;
export type StepRow = typeof jobSteps.$inferSelect;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface JobSnapshot {
  job: JobRow;
  steps: StepRow[];
  server: ServerRow;
}

const IMMEDIATE = { behavior: 'immediate' } as const;
/** Kept on the job when a step fails; the tail is what explains a failure. */
const MAX_LOG_CHARS = 256_000;

const subject = (server: ServerRow, jobId: string): EventSubject => ({ server, jobId });

function serverOf(tx: Tx | Db, id: string): ServerRow {
  const row = tx.select().from(servers).where(eq(servers.id, id)).get();
  if (!row) throw new Error(`server ${id} vanished from the database`);
  return row;
}

export function loadJob(db: Db, jobId: string): JobSnapshot | undefined {
  const job = db.select().from(jobs).where(eq(jobs.id, jobId)).get();
  if (!job) return undefined;
  const server = db.select().from(servers).where(eq(servers.id, job.serverId)).get();
  if (!server) return undefined;
  const steps = db
    .select()
    .from(jobSteps)
    .where(eq(jobSteps.jobId, jobId))
    .orderBy(asc(jobSteps.position))
    .all();
  return { job, steps, server };
}

export function readServer(db: Db, serverId: string): ServerRow {
  return serverOf(db, serverId);
}

/** The server's row, if there is one (an image build's check of its game runs for no server). */
export function findServer(db: Db, serverId: string): ServerRow | undefined {
  return db.select().from(servers).where(eq(servers.id, serverId)).get();
}

export function readJob(db: Db, jobId: string): JobRow | undefined {
  return db.select().from(jobs).where(eq(jobs.id, jobId)).get();
}

export const isTerminal = (state: string) => state === 'succeeded' || state === 'failed';

/** queued → running, with `job.started` the first time only (a resumed job says nothing new). */
export function markJobStarted(db: Db, jobId: string): void {
  db.transaction((tx) => {
    const job = tx.select().from(jobs).where(eq(jobs.id, jobId)).get();
    if (job?.state !== 'queued') return;
    tx.update(jobs)
      .set({ state: 'running', startedAt: job.startedAt ?? now() })
      .where(eq(jobs.id, jobId))
      .run();
    const server = serverOf(tx, job.serverId);
    recordEvent(tx, subject(server, jobId), { type: 'job.started', data: { kind: job.kind } });
  }, IMMEDIATE);
}

export function markStepStarted(db: Db, jobId: string, step: StepRow, attempt: number): void {
  db.transaction((tx) => {
    tx.update(jobSteps)
      .set({ state: 'running', startedAt: now(), finishedAt: null, error: null })
      .where(and(eq(jobSteps.jobId, jobId), eq(jobSteps.position, step.position)))
      .run();
    const job = tx.select().from(jobs).where(eq(jobs.id, jobId)).get()!;
    const server = serverOf(tx, job.serverId);
    recordEvent(tx, subject(server, jobId), {
      type: 'step.started',
      data: { step: step.name, position: step.position, title: step.title, attempt },
    });
  }, IMMEDIATE);
}

export function saveMemo(db: Db, jobId: string, position: number, memo: object): void {
  db.update(jobSteps)
    .set({ memo: JSON.stringify(memo) })
    .where(and(eq(jobSteps.jobId, jobId), eq(jobSteps.position, position)))
    .run();
}

export function parseMemo(step: Pick<StepRow, 'memo'>): Record<string, unknown> {
  if (!step.memo) return {};
  try {
    const value = JSON.parse(step.memo) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** How long the step's current run took, for the events (metrics read it). */
function durationMs(tx: Tx, jobId: string, position: number, finishedAt: string): number | undefined {
  const row = tx
    .select({ startedAt: jobSteps.startedAt })
    .from(jobSteps)
    .where(and(eq(jobSteps.jobId, jobId), eq(jobSteps.position, position)))
    .get();
  return row?.startedAt ? Math.max(0, Date.parse(finishedAt) - Date.parse(row.startedAt)) : undefined;
}

export function markStepSucceeded(db: Db, jobId: string, step: StepRow, detail: string, memo: object): void {
  db.transaction((tx) => {
    const at = now();
    const took = durationMs(tx, jobId, step.position, at);
    tx.update(jobSteps)
      .set({ state: 'succeeded', finishedAt: at, detail, error: null, memo: JSON.stringify(memo) })
      .where(and(eq(jobSteps.jobId, jobId), eq(jobSteps.position, step.position)))
      .run();
    const job = tx.select().from(jobs).where(eq(jobs.id, jobId)).get()!;
    const server = serverOf(tx, job.serverId);
    recordEvent(tx, subject(server, jobId), {
      type: 'step.succeeded',
      data: { step: step.name, position: step.position, title: step.title, detail, durationMs: took },
    });
  }, IMMEDIATE);
}

/** Progress inside a long step (and "trying again" notes), for the live view; changes no state. */
export function appendProgress(
  db: Db,
  jobId: string,
  step: Pick<StepRow, 'name' | 'position'>,
  note: string,
  details: ProgressDetails = {},
): void {
  db.transaction((tx) => {
    const job = tx.select().from(jobs).where(eq(jobs.id, jobId)).get()!;
    const server = serverOf(tx, job.serverId);
    recordEvent(tx, subject(server, jobId), {
      type: 'step.progress',
      data: { ...details, step: step.name, position: step.position, note },
    });
  }, IMMEDIATE);
}

/**
 * publish_ports / unpublish_ports: the server's ports enter (or leave) the edge's forwarding table, with a
 * `step.progress` event saying so. Its id is the generation an edge must report applied: the table changed
 * no later than that event.
 */
export function setPublished(
  db: Db,
  jobId: string,
  step: Pick<StepRow, 'name' | 'position'>,
  published: boolean,
  note: string,
): number {
  return db.transaction((tx) => {
    const job = tx.select().from(jobs).where(eq(jobs.id, jobId)).get()!;
    const server = serverOf(tx, job.serverId);
    const { id } = recordEvent(tx, subject(server, jobId), {
      type: 'step.progress',
      data: { step: step.name, position: step.position, note },
    });
    tx.update(servers)
      .set({ publishedGeneration: published ? id : null, updatedAt: now() })
      .where(eq(servers.id, server.id))
      .run();
    return id;
  }, IMMEDIATE);
}

/** A transient failure: the step stays resumable, its error shown until it runs again. */
export function noteStepError(db: Db, jobId: string, position: number, message: string): void {
  db.update(jobSteps)
    .set({ error: message })
    .where(and(eq(jobSteps.jobId, jobId), eq(jobSteps.position, position)))
    .run();
}

export type ServerFacts = Partial<Pick<ServerRow, 'ipv4' | 'playersOnline' | 'playersMax' | 'node'>>;

export function recordServerFacts(db: Db, serverId: string, facts: ServerFacts): void {
  db.update(servers)
    .set({ ...facts, updatedAt: now() })
    .where(eq(servers.id, serverId))
    .run();
}

function release(tx: Tx, serverId: string, what: { ports: boolean; vmid: boolean }): void {
  if (what.ports) tx.delete(ports).where(eq(ports.serverId, serverId)).run();
  if (what.vmid) tx.delete(vmIds).where(eq(vmIds.serverId, serverId)).run();
}

/** release_resources: the server's ports and VM id are free for others again. */
export function releaseServerResources(db: Db, serverId: string): { ports: number; vmids: number } {
  return db.transaction((tx) => {
    const portCount = tx.delete(ports).where(eq(ports.serverId, serverId)).run().changes;
    const vmidCount = tx.delete(vmIds).where(eq(vmIds.serverId, serverId)).run().changes;
    return { ports: portCount, vmids: vmidCount };
  }, IMMEDIATE);
}

/**
 * Moves the server to another VM id: the old reservation is released, the new one taken (false when another
 * server holds it, so the caller picks another).
 */
export function replaceVmid(db: Db, serverId: string, oldVmid: number | null, newVmid: number): boolean {
  return db.transaction((tx) => {
    const taken = tx
      .insert(vmIds)
      .values({ vmid: newVmid, serverId, reservedAt: now() })
      .onConflictDoNothing()
      .run();
    if (taken.changes !== 1) return false;
    if (oldVmid !== null)
      tx.delete(vmIds)
        .where(and(eq(vmIds.vmid, oldVmid), eq(vmIds.serverId, serverId)))
        .run();
    tx.update(servers).set({ vmid: newVmid, updatedAt: now() }).where(eq(servers.id, serverId)).run();
    return true;
  }, IMMEDIATE);
}

/** Every step done: the server reaches its final state; `job.succeeded` and `server.state_changed` with it. */
export function completeJob(db: Db, jobId: string): FinalState {
  return db.transaction((tx) => {
    const job = tx.select().from(jobs).where(eq(jobs.id, jobId)).get()!;
    const server = serverOf(tx, job.serverId);
    const kind = job.kind;
    const params = parseJobParams(job.params);
    const to = finalStateOf(kind, params);
    if (params.scheduleId) noteScheduleSucceeded(tx, params.scheduleId);
    const at = now();
    tx.update(jobs)
      .set({ state: 'succeeded', finishedAt: at, errorCode: null, errorMessage: null, errorStep: null })
      .where(eq(jobs.id, jobId))
      .run();
    const changes: Partial<ServerRow> = {
      state: to,
      currentJobId: null,
      updatedAt: at,
      failureCode: null,
      failureMessage: null,
      failureStep: null,
    };
    if (to === 'stopped' || to === 'sleeping') Object.assign(changes, NOT_PLAYING);
    // A job that (re)started the VM: the idle sleep's minimum awake time counts from now.
    if (to === 'running' && kind !== 'backup') changes.awakeSince = at;
    if (to === 'deleted') {
      Object.assign(changes, { ...NOT_PLAYING, deletedAt: at, ipv4: null, playersMax: null });
      release(tx, server.id, { ports: true, vmid: true });
      // Its job schedulers go with the rows: the workers' schedule check drops them from Redis.
      tx.delete(schedules).where(eq(schedules.serverId, server.id)).run();
    }
    tx.update(servers).set(changes).where(eq(servers.id, server.id)).run();
    const about = subject(server, jobId);
    recordEvent(tx, about, { type: 'job.succeeded', data: { kind } });
    recordEvent(tx, about, {
      type: 'server.state_changed',
      data: { from: server.state, to },
    });
    if (to === 'deleted') recordEvent(tx, about, { type: 'server.deleted', data: {} });
    return to;
  }, IMMEDIATE);
}

export interface FailureRecord {
  step: Pick<StepRow, 'name' | 'position' | 'title'> | undefined;
  verdict: Verdict;
  log?: string;
  /** What a failed create's clean-up freed (it made sure nothing of ours is left at those ids). */
  release: { ports: boolean; vmid: boolean };
}

/** The step, the job and the server fail together, with `step.failed`, `job.failed`, `server.state_changed`. */
export function failJob(db: Db, jobId: string, failure: FailureRecord): void {
  db.transaction((tx) => {
    const job = tx.select().from(jobs).where(eq(jobs.id, jobId)).get()!;
    if (isTerminal(job.state)) return;
    const server = serverOf(tx, job.serverId);
    const at = now();
    const { step, verdict } = failure;
    const took = step ? durationMs(tx, jobId, step.position, at) : undefined;
    const stepName = step?.name ?? null;
    if (step) {
      tx.update(jobSteps)
        .set({ state: 'failed', finishedAt: at, error: verdict.message })
        .where(and(eq(jobSteps.jobId, jobId), eq(jobSteps.position, step.position)))
        .run();
    }
    const log = failure.log === undefined ? job.log : failure.log.slice(-MAX_LOG_CHARS);
    tx.update(jobs)
      .set({
        state: 'failed',
        finishedAt: at,
        errorCode: verdict.code,
        errorMessage: verdict.message,
        errorStep: stepName,
        log,
      })
      .where(eq(jobs.id, jobId))
      .run();
    release(tx, server.id, failure.release);
    // A failed backup leaves the server as it was (up or down); the job and its notice say what went wrong.
    const returnTo = job.kind === 'backup' ? parseJobParams(job.params).returnTo : undefined;
    const serverChanges: Partial<ServerRow> = returnTo
      ? { state: returnTo, currentJobId: null, updatedAt: at }
      : {
          state: 'failed',
          updatedAt: at,
          failureCode: verdict.code,
          failureMessage: verdict.message,
          failureStep: stepName,
        };
    if (failure.release.vmid) Object.assign(serverChanges, { vmid: null, ipv4: null });
    tx.update(servers).set(serverChanges).where(eq(servers.id, server.id)).run();
    const about = subject(server, jobId);
    const why = { code: verdict.code, reason: verdict.message };
    if (step)
      recordEvent(tx, about, {
        type: 'step.failed',
        data: { step: step.name, position: step.position, title: step.title, ...why, durationMs: took },
      });
    recordEvent(tx, about, {
      type: 'job.failed',
      data: { step: stepName, kind: job.kind, ...why },
    });
    recordEvent(tx, about, {
      type: 'server.state_changed',
      data: returnTo
        ? { from: server.state, to: returnTo }
        : { from: server.state, to: 'failed', code: verdict.code },
    });
    const { scheduleId } = parseJobParams(job.params);
    if (scheduleId)
      noteScheduleFailed(tx, scheduleId, server, { jobId, code: verdict.code, reason: verdict.message });
  }, IMMEDIATE);
}

/** The server moved on to another job (cannot normally happen): this one ends without touching the server. */
export function supersedeJob(db: Db, jobId: string): void {
  db.update(jobs)
    .set({
      state: 'failed',
      finishedAt: now(),
      errorCode: 'superseded',
      errorMessage: 'The server has another current job; this one was not run.',
    })
    .where(and(eq(jobs.id, jobId), eq(jobs.state, 'queued')))
    .run();
  db.update(jobs)
    .set({
      state: 'failed',
      finishedAt: now(),
      errorCode: 'superseded',
      errorMessage: 'The server has another current job; this one stopped.',
    })
    .where(and(eq(jobs.id, jobId), eq(jobs.state, 'running')))
    .run();
}

/** Jobs not finished, oldest first: what the recovery sweep checks against the queue. */
export function unfinishedJobIds(db: Db): string[] {
  return db
    .select({ id: jobs.id })
    .from(jobs)
    .where(inArray(jobs.state, ['queued', 'running']))
    .orderBy(asc(jobs.createdAt))
    .all()
    .map((j) => j.id);
}
