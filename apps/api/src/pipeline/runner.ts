// Runs one job: its steps in order, skipping those already succeeded, each transition recorded with its
// events. Transient failures are thrown so BullMQ retries the job with back-off (the step resumes from its
// memo); permanent ones — or any failure on the last attempt — fail the job, and a failed create first
// removes what it made.
import type { JobKind } from '@guildserver/contracts';
import { getGame } from '@guildserver/games';
import type { ServerRow } from '../db/schema.js';
import { parseJobParams } from '../domain/jobs.js';
import { makesNewVm } from '../domain/plans.js';
import { type AttemptOfRun, retriedLater } from '../queue/retry-policy.js';
import {
  DEFAULT_RUNNER_OPTIONS,
  type RunnerDeps,
  type RunnerOptions,
  type Step,
  type StepContext,
} from './context.js';
import { judge, StepInterrupted, type Verdict } from './failures.js';
import {
  appendProgress,
  completeJob,
  failJob,
  isTerminal,
  loadJob,
  markJobStarted,
  markStepStarted,
  markStepSucceeded,
  noteStepError,
  parseMemo,
  readJob,
  readServer,
  type StepRow,
  saveMemo,
  supersedeJob,
} from './job-store.js';
import { cleanUpFailedCreate } from './steps/failed-create-cleanup.js';
import { stepNamed } from './steps/index.js';
import { releaseAfterFailedBackup } from './steps/release-game.js';

export interface RunAttempt extends AttemptOfRun {
  /** False once this worker no longer holds the job (its queue lock went to another worker). */
  stillHeld?: () => Promise<boolean>;
  /** Aborted when the worker stops. */
  signal?: AbortSignal;
}

export type RunResult = 'succeeded' | 'failed' | 'superseded' | 'already_finished' | 'missing';

export interface JobRunner {
  run(jobId: string, attempt: RunAttempt): Promise<RunResult>;
  readonly options: RunnerOptions;
}

export function createJobRunner(deps: RunnerDeps, overrides: Partial<RunnerOptions> = {}): JobRunner {
  const options: RunnerOptions = { ...DEFAULT_RUNNER_OPTIONS, ...overrides };
  const { db } = deps;

  async function run(jobId: string, attempt: RunAttempt): Promise<RunResult> {
    const snapshot = loadJob(db, jobId);
    const log = deps.logger.child({ jobId, serverId: snapshot?.server.id });
    if (!snapshot) {
      log.warn('job not found in the database; nothing to run');
      return 'missing';
    }
    if (isTerminal(snapshot.job.state)) return 'already_finished';
    if (snapshot.server.currentJobId !== jobId) {
      log.warn(
        { currentJobId: snapshot.server.currentJobId },
        'the server has another current job; this one is superseded',
      );
      supersedeJob(db, jobId);
      return 'superseded';
    }
    const kind = snapshot.job.kind;
    const game = getGame(snapshot.server.game);
    if (!game) {
      const message = `The catalog has no game '${snapshot.server.game}' any more, so the server cannot be handled.`;
      const step = snapshot.steps.find((s) => s.state !== 'succeeded');
      failJob(db, jobId, {
        step,
        verdict: { kind: 'permanent', code: 'game_unknown', message },
        release: { ports: false, vmid: false },
      });
      return 'failed';
    }
    const signal = attempt.signal ?? new AbortController().signal;
    markJobStarted(db, jobId);
    log.info({ kind, attempt: attempt.attempt }, 'job running');

    for (const step of snapshot.steps) {
      if (step.state === 'succeeded') continue;
      if (attempt.stillHeld && !(await attempt.stillHeld()))
        throw new StepInterrupted('This worker lost the job to another one.');
      const server = readServer(db, snapshot.server.id);
      const job = readJob(db, jobId);
      if (!job || isTerminal(job.state)) return 'already_finished';
      if (server.currentJobId !== jobId) {
        supersedeJob(db, jobId);
        return 'superseded';
      }
      const stepLog = log.child({ step: step.name });
      const definition = stepNamed(step.name);
      const ctx = context(step, server, kind, stepLog, signal);
      markStepStarted(db, jobId, step, attempt.attempt);
      stepLog.info('step started');
      let detail: string;
      try {
        ({ detail } = await definition.run(ctx));
      } catch (error) {
        if (signal.aborted || error instanceof StepInterrupted) {
          stepLog.warn('step interrupted; it resumes on the next run');
          throw error instanceof StepInterrupted ? error : new StepInterrupted();
        }
        const verdict = judge(error, definition.failure);
        stepLog.warn({ err: error, verdict }, 'step failed');
        if (retriedLater(verdict, attempt)) {
          noteStepError(db, jobId, step.position, verdict.message);
          appendProgress(db, jobId, step, `${verdict.message} Trying again shortly.`, {
            retrying: true,
            code: verdict.code,
          });
          throw error;
        }
        await fail(ctx, verdict);
        return 'failed';
      }
      markStepSucceeded(db, jobId, step, detail, ctx.memo);
      stepLog.info({ detail }, 'step succeeded');
      deps.observer?.stepSucceeded?.(jobId, definition.name);
    }
    const state = completeJob(db, jobId);
    log.info({ state }, 'job succeeded');
    return 'succeeded';

    function context(
      step: StepRow,
      server: ServerRow,
      jobKind: JobKind,
      stepLog: typeof log,
      abort: AbortSignal,
    ): StepContext {
      const memo = parseMemo(step);
      return {
        jobId,
        kind: jobKind,
        params: parseJobParams(snapshot!.job.params),
        step,
        server,
        game: game!,
        node: server.node ?? deps.config.proxmox.node,
        deps,
        options,
        signal: abort,
        log: stepLog,
        memo,
        remember(patch) {
          Object.assign(memo, patch);
          saveMemo(db, jobId, step.position, memo);
        },
        memoOf<Other extends object>(earlier: Step<Other>): Other {
          const other = loadJob(db, jobId)?.steps.find((s) => s.name === earlier.name);
          return (other ? parseMemo(other) : {}) as Other;
        },
        progress(note, details = {}) {
          appendProgress(db, jobId, step, note, details);
        },
      };
    }

    async function fail(ctx: StepContext, verdict: Verdict): Promise<void> {
      let release = { ports: false, vmid: false };
      if (makesNewVm(kind)) {
        const cleanup = await cleanUpFailedCreate(ctx);
        ctx.log.info({ cleanup }, 'failed create cleaned up');
        appendProgress(db, jobId, ctx.step, `Cleaning up: ${cleanup.detail}`, { cleanup: true });
        release = { ports: true, vmid: cleanup.vmidFree };
      }
      if (kind === 'backup') {
        const released = await releaseAfterFailedBackup(ctx);
        if (released) appendProgress(db, jobId, ctx.step, released, {});
      }
      failJob(db, jobId, {
        step: ctx.step,
        verdict,
        ...(verdict.kind === 'permanent' && verdict.log !== undefined ? { log: verdict.log } : {}),
        release,
      });
      ctx.log.warn({ code: verdict.code }, 'job failed');
    }
  }

  return { run, options };
}
