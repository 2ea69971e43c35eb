// Runs one game image build: its steps in order, skipping those already done, each transition recorded with its
// event. As the server jobs' runner does (pipeline/runner.ts): a transient failure is thrown so BullMQ runs the
// build again with back-off (the step resumes from its memo); a permanent one, or any on the last attempt, fails
// the build, once its VM is removed — a failed build leaves nothing behind.
import { getGame } from '@guildserver/games';
import type { VmRef } from '@guildserver/proxmox';
import { DEFAULT_RUNNER_OPTIONS, type RunnerDeps, type RunnerOptions } from '../pipeline/context.js';
import { judge, StepInterrupted } from '../pipeline/failures.js';
import type { RunAttempt } from '../pipeline/runner.js';
import { readConfig } from '../pipeline/vm-adapter.js';
import { discardVm } from '../pipeline/vm-lifecycle.js';
import { retriedLater } from '../queue/retry-policy.js';
import { BUILD_STEPS, type BuildStepContext, isBuildVm } from './image-build-steps.js';
import {
  completeBuild,
  failBuild,
  markBuildStarted,
  markStepStarted,
  markStepSucceeded,
  noteProgress,
  noteStepError,
  readBuild,
  saveStepMemo,
} from './image-build-store.js';

export type BuildResult = 'succeeded' | 'failed' | 'already_finished' | 'missing';

export interface ImageBuilder {
  run(buildId: string, attempt: RunAttempt): Promise<BuildResult>;
}

export function createImageBuilder(deps: RunnerDeps, overrides: Partial<RunnerOptions> = {}): ImageBuilder {
  const options: RunnerOptions = { ...DEFAULT_RUNNER_OPTIONS, ...overrides };
  const { db } = deps;

  async function run(buildId: string, attempt: RunAttempt): Promise<BuildResult> {
    const snapshot = readBuild(db, buildId);
    if (!snapshot) return 'missing';
    const { row } = snapshot;
    if (row.state === 'succeeded' || row.state === 'failed') return 'already_finished';
    const log = deps.logger.child({ imageBuild: buildId, game: row.game });
    const game = getGame(row.game);
    if (!game) {
      failBuild(db, buildId, {
        position: undefined,
        code: 'game_unknown',
        message: `The catalog has no game '${row.game}' any more, so its image cannot be built.`,
        releaseVmid: true,
      });
      return 'failed';
    }
    const signal = attempt.signal ?? new AbortController().signal;
    const vm: VmRef = { node: row.node, vmid: row.vmid };
    markBuildStarted(db, buildId);
    log.info({ attempt: attempt.attempt }, 'image build running');

    for (const [position, step] of snapshot.steps.entries()) {
      if (step.state === 'succeeded') continue;
      if (attempt.stillHeld && !(await attempt.stillHeld()))
        throw new StepInterrupted('This worker lost the build to another one.');
      const definition = BUILD_STEPS[step.name];
      const memo = { ...step.memo };
      const ctx: BuildStepContext<Record<string, unknown>> = {
        build: row,
        game,
        vm,
        deps,
        options,
        signal,
        log: log.child({ step: step.name }),
        memo,
        remember(patch) {
          Object.assign(memo, patch);
          saveStepMemo(db, buildId, position, memo);
        },
        progress: (note) => noteProgress(db, buildId, position, note),
      };
      markStepStarted(db, buildId, position);
      let detail: string;
      try {
        detail = await definition.run(ctx);
      } catch (error) {
        if (signal.aborted || error instanceof StepInterrupted)
          throw error instanceof StepInterrupted ? error : new StepInterrupted();
        const verdict = judge(error, definition.failure);
        ctx.log.warn({ err: error, verdict }, 'image build step failed');
        if (retriedLater(verdict, attempt)) {
          noteStepError(db, buildId, position, verdict.message);
          throw error;
        }
        const cleanup = await removeBuildVm(ctx);
        noteProgress(db, buildId, position, `Cleaning up: ${cleanup.detail}`);
        failBuild(db, buildId, {
          position,
          code: verdict.code,
          message: verdict.message,
          ...(verdict.kind === 'permanent' && verdict.log !== undefined ? { log: verdict.log } : {}),
          releaseVmid: cleanup.gone,
        });
        return 'failed';
      }
      markStepSucceeded(db, buildId, position, detail);
    }
    completeBuild(db, buildId);
    log.info('image build succeeded');
    return 'succeeded';
  }

  return { run };
}

/**
 * A failed build's VM is stopped and destroyed, if it is this build's and not yet an image; `gone` is false
 * when Proxmox could not be asked, so its VM id stays held (and the sentence says what is left).
 */
async function removeBuildVm(ctx: BuildStepContext): Promise<{ detail: string; gone: boolean }> {
  const { vm } = ctx;
  try {
    const config = await readConfig(ctx, vm);
    if (!config) return { detail: `no VM ${vm.vmid} was left.`, gone: true };
    if (!isBuildVm(ctx, config) || Number(config.template ?? 0) === 1)
      return { detail: `VM ${vm.vmid} is not this build's unfinished VM; left as it is.`, gone: true };
    await discardVm(ctx, vm);
    return { detail: `VM ${vm.vmid} was destroyed.`, gone: true };
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not remove the failed build VM');
    return {
      detail: `VM ${vm.vmid} could not be removed (${error instanceof Error ? error.message : String(error)}); remove it at Proxmox, then build again.`,
      gone: false,
    };
  }
}
