// A game image's build in SQLite: its row (steps and their memos as JSON) and every transition, each in one
// transaction with its event (the outbox), as the server jobs' store does (pipeline/job-store.ts).
import type { ImageBuild, ImageBuildReason, JobStep, StepState } from '@guildserver/contracts';
import { and, desc, eq, inArray, like } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { type ImageBuildRow, imageBuilds, vmIds } from '../db/schema.js';
import { type ImageBuildEvent, recordImageEvent } from '../domain/event-log.js';
import { newImageBuildId, now } from '../domain/ids.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
const IMMEDIATE = { behavior: 'immediate' } as const;
/** Kept on the build when a step fails; the tail is what explains a failure. */
const MAX_LOG_CHARS = 256_000;

export const IMAGE_BUILD_STEPS = [
  ['clone', 'Copying the base template (a full clone)'],
  ['configure', 'Configuring the VM'],
  ['start_vm', 'Starting the VM'],
  ['wait_network', 'Waiting for the network'],
  ['install_game', 'Installing the game (--tags install)'],
  ['check_game', 'Starting the game once (--tags configure): it must answer'],
  ['seal', 'Sealing the VM (playbooks/seal.yml)'],
  ['shutdown_vm', 'Shutting the VM down'],
  ['make_template', 'Making it a template'],
] as const;
export type ImageBuildStepName = (typeof IMAGE_BUILD_STEPS)[number][0];

/** A step as the row keeps it: what people see, plus what it learned (so a resumed step picks up). */
export interface BuildStep {
  name: ImageBuildStepName;
  title: string;
  state: StepState;
  startedAt: string | null;
  finishedAt: string | null;
  detail: string | null;
  error: string | null;
  memo: Record<string, unknown>;
}

export interface BuildSnapshot {
  row: ImageBuildRow;
  steps: BuildStep[];
}

/** The holder of an image's VM id in `vm_ids`, from its build's request until the image is removed. */
export const imageHolder = (buildId: string) => `image:${buildId}`;

export function readBuild(db: Db | Tx, id: string): BuildSnapshot | undefined {
  const row = db.select().from(imageBuilds).where(eq(imageBuilds.id, id)).get();
  return row && { row, steps: JSON.parse(row.steps) as BuildStep[] };
}

function requireBuild(tx: Tx, id: string): BuildSnapshot {
  const build = readBuild(tx, id);
  if (!build) throw new Error(`image build ${id} vanished from the database`);
  return build;
}

const base = (row: ImageBuildRow) => ({ game: row.game, buildId: row.id, vmid: row.vmid });

export interface NewImageBuild {
  game: string;
  reason: ImageBuildReason;
  node: string;
  vmid: number;
  recipe: string;
  requestedBy?: string;
}

/**
 * Records a build (all steps pending) holding its VM id, with `image.build_queued`; the caller enqueues it
 * after the transaction commits. Throws SQLite's unique-constraint error when the game already has a build
 * under way or the id is taken.
 */
export function insertBuild(tx: Tx, build: NewImageBuild): ImageBuildRow {
  const id = newImageBuildId();
  const steps: BuildStep[] = IMAGE_BUILD_STEPS.map(([name, title]) => ({
    name,
    title,
    state: 'pending',
    startedAt: null,
    finishedAt: null,
    detail: null,
    error: null,
    memo: {},
  }));
  tx.insert(vmIds)
    .values({ vmid: build.vmid, serverId: imageHolder(id), reservedAt: now() })
    .run();
  const row = tx
    .insert(imageBuilds)
    .values({
      id,
      game: build.game,
      state: 'queued',
      reason: build.reason,
      node: build.node,
      vmid: build.vmid,
      recipe: build.recipe,
      steps: JSON.stringify(steps),
      requestedBy: build.requestedBy ?? null,
      createdAt: now(),
    })
    .returning()
    .get();
  recordImageEvent(tx, { type: 'image.build_queued', data: { ...base(row), reason: build.reason } });
  return row;
}

/** Changes one step (and the row, if asked) in one transaction, with the event the change makes. */
function updateStep(
  db: Db,
  id: string,
  position: number,
  change: (step: BuildStep, row: ImageBuildRow) => ImageBuildEvent | undefined,
  row: Partial<ImageBuildRow> = {},
): void {
  db.transaction((tx) => {
    const build = requireBuild(tx, id);
    const step = build.steps[position]!;
    const made = change(step, build.row);
    tx.update(imageBuilds)
      .set({ ...row, steps: JSON.stringify(build.steps) })
      .where(eq(imageBuilds.id, id))
      .run();
    if (made) recordImageEvent(tx, made);
  }, IMMEDIATE);
}

/** queued → running (a resumed build says nothing new). */
export function markBuildStarted(db: Db, id: string): void {
  db.update(imageBuilds)
    .set({ state: 'running', startedAt: now() })
    .where(and(eq(imageBuilds.id, id), eq(imageBuilds.state, 'queued')))
    .run();
}

export function markStepStarted(db: Db, id: string, position: number): void {
  updateStep(db, id, position, (step, row) => {
    Object.assign(step, { state: 'running', startedAt: now(), finishedAt: null, error: null });
    return {
      type: 'image.build_step',
      data: { ...base(row), step: step.name, title: step.title, state: 'started' },
    };
  });
}

export function markStepSucceeded(db: Db, id: string, position: number, detail: string): void {
  updateStep(db, id, position, (step, row) => {
    const at = now();
    const durationMs = step.startedAt ? Date.parse(at) - Date.parse(step.startedAt) : undefined;
    Object.assign(step, { state: 'succeeded', finishedAt: at, detail, error: null });
    return {
      type: 'image.build_step',
      data: { ...base(row), step: step.name, title: step.title, state: 'succeeded', detail, durationMs },
    };
  });
}

/** Merges into the step's memo and saves it at once, so a crash right after keeps it. */
export function saveStepMemo(db: Db, id: string, position: number, memo: Record<string, unknown>): void {
  updateStep(db, id, position, (step) => {
    step.memo = memo;
    return undefined;
  });
}

export function noteProgress(db: Db, id: string, position: number, note: string): void {
  db.transaction((tx) => {
    const { row, steps } = requireBuild(tx, id);
    recordImageEvent(tx, {
      type: 'image.build_progress',
      data: { ...base(row), step: steps[position]!.name, note },
    });
  }, IMMEDIATE);
}

/** A transient failure: the step stays resumable, its error shown until it runs again. */
export function noteStepError(db: Db, id: string, position: number, message: string): void {
  updateStep(db, id, position, (step, row) => {
    step.error = message;
    return {
      type: 'image.build_progress',
      data: { ...base(row), step: step.name, note: `${message} Trying again shortly.` },
    };
  });
}

export function recordIpv4(db: Db, id: string, ipv4: string): void {
  db.update(imageBuilds).set({ ipv4 }).where(eq(imageBuilds.id, id)).run();
}

export function completeBuild(db: Db, id: string): void {
  db.transaction((tx) => {
    const { row } = requireBuild(tx, id);
    const at = now();
    tx.update(imageBuilds).set({ state: 'succeeded', finishedAt: at }).where(eq(imageBuilds.id, id)).run();
    const durationMs = Date.parse(at) - Date.parse(row.createdAt);
    recordImageEvent(tx, {
      type: 'image.build_succeeded',
      data: { ...base(row), recipe: row.recipe, durationMs },
    });
  }, IMMEDIATE);
}

export interface BuildFailure {
  position: number | undefined;
  code: string;
  message: string;
  log?: string;
  /** Its clean-up made sure no VM of it is left: the VM id is free again. */
  releaseVmid: boolean;
}

/** The build fails, and its step with it. */
export function failBuild(db: Db, id: string, failure: BuildFailure): void {
  db.transaction((tx) => {
    const { row, steps } = requireBuild(tx, id);
    if (row.state === 'succeeded' || row.state === 'failed') return;
    const at = now();
    const step = failure.position === undefined ? undefined : steps[failure.position];
    if (step) Object.assign(step, { state: 'failed', finishedAt: at, error: failure.message });
    tx.update(imageBuilds)
      .set({
        state: 'failed',
        finishedAt: at,
        steps: JSON.stringify(steps),
        errorCode: failure.code,
        errorMessage: failure.message,
        errorStep: step?.name ?? null,
        log: failure.log === undefined ? null : failure.log.slice(-MAX_LOG_CHARS),
      })
      .where(eq(imageBuilds.id, id))
      .run();
    if (failure.releaseVmid) releaseImageVmid(tx, row.vmid);
    recordImageEvent(tx, {
      type: 'image.build_failed',
      data: { ...base(row), step: step?.name ?? null, code: failure.code, reason: failure.message },
    });
  }, IMMEDIATE);
}

/** The image's VM id is free again (its build failed, or the image was removed). */
export function releaseImageVmid(db: Pick<Db, 'delete'>, vmid: number): void {
  db.delete(vmIds)
    .where(and(eq(vmIds.vmid, vmid), like(vmIds.serverId, 'image:%')))
    .run();
}

/** Builds not finished, oldest first: what the recovery sweep checks against the queue. */
export function unfinishedBuildIds(db: Db): string[] {
  return db
    .select({ id: imageBuilds.id })
    .from(imageBuilds)
    .where(inArray(imageBuilds.state, ['queued', 'running']))
    .orderBy(imageBuilds.createdAt)
    .all()
    .map((b) => b.id);
}

/** The build under way for a game, if any. */
export function unfinishedBuildOf(db: Db, game: string): ImageBuildRow | undefined {
  return db
    .select()
    .from(imageBuilds)
    .where(and(eq(imageBuilds.game, game), inArray(imageBuilds.state, ['queued', 'running'])))
    .get();
}

function stepView(step: BuildStep): JobStep {
  return {
    name: step.name,
    title: step.title,
    state: step.state,
    startedAt: step.startedAt,
    finishedAt: step.finishedAt,
    durationMs:
      step.startedAt && step.finishedAt ? Date.parse(step.finishedAt) - Date.parse(step.startedAt) : null,
    detail: step.detail,
    error: step.error,
  };
}

export function buildView({ row, steps }: BuildSnapshot): ImageBuild {
  return {
    id: row.id,
    game: row.game,
    state: row.state,
    reason: row.reason,
    node: row.node,
    vmid: row.vmid,
    recipe: row.recipe,
    steps: steps.map(stepView),
    error: row.errorCode
      ? { code: row.errorCode, message: row.errorMessage ?? '', step: row.errorStep }
      : null,
    log: row.log,
    requestedBy: row.requestedBy,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

export function recentBuilds(db: Db, limit = 20): ImageBuild[] {
  return db
    .select()
    .from(imageBuilds)
    .orderBy(desc(imageBuilds.createdAt), desc(imageBuilds.id))
    .limit(limit)
    .all()
    .map((row) => buildView({ row, steps: JSON.parse(row.steps) as BuildStep[] }));
}
