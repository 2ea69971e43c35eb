import type { Step } from '../context.js';
import { StepFailure, StepInterrupted } from '../failures.js';
import { GameSetupError } from '../game/game-runner.js';
import { setupSubject } from '../game/setup-subject.js';
import { fromGameImage } from './clone.js';
import { ipv4Of } from './server-vm.js';

/**
 * setup_game: the game runner (Ansible, or the simulated runner) installs and configures the game; on a VM
 * cloned from a game image (or taken from the warm pool, made from one) it only configures it.
 */
export const setupGame: Step = {
  name: 'setup_game',
  failure: 'game_setup_failed',
  async run(ctx) {
    const { server, game } = ctx;
    try {
      const result = await ctx.deps.gameRunner.setup({
        ...setupSubject(ctx.deps.db, server, game),
        ipv4: ipv4Of(ctx),
        part: fromGameImage(ctx) ? 'configure' : 'all',
        signal: ctx.signal,
        onProgress: (message) => ctx.progress(message),
      });
      return { detail: result.detail };
    } catch (error) {
      if (ctx.signal.aborted) throw new StepInterrupted();
      if (error instanceof GameSetupError)
        throw new StepFailure('game_setup_failed', error.message, error.log);
      throw error;
    }
  },
};
