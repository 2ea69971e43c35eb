import type { Step, StepContext } from '../context.js';
import { StepFailure } from '../failures.js';
import { HoldUnavailable } from '../game/game-hold.js';
import { readServer } from '../job-store.js';
import { holdGame, holdTarget } from './hold-game.js';

async function release(ctx: StepContext): Promise<string | undefined> {
  if (!ctx.memoOf(holdGame).held) return undefined;
  const ipv4 = readServer(ctx.deps.db, ctx.server.id).ipv4;
  if (!ipv4) return undefined;
  return ctx.deps.gameHold.release(holdTarget(ctx, ipv4));
}

/** release_game: undoes hold_game (save-on, or the game's service started again). */
export const releaseGame: Step = {
  name: 'release_game',
  failure: 'backup_failed',
  async run(ctx) {
    try {
      return { detail: (await release(ctx)) ?? 'The game was not held; nothing to undo.' };
    } catch (error) {
      if (!(error instanceof HoldUnavailable)) throw error;
      throw new StepFailure(
        'game_unresponsive',
        `The backup was made, but ${ctx.game.name} could not be let go afterwards: ${error.message} Restart the server.`,
      );
    }
  },
};

/** A backup that failed after its hold still lets the game go; the sentence for the job's trail, if any. */
export async function releaseAfterFailedBackup(ctx: StepContext): Promise<string | undefined> {
  try {
    const done = await release(ctx);
    return done ? `Letting the game carry on: ${done}` : undefined;
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not release the game after a failed backup');
    return `The game could not be let go after the failed backup (${error instanceof Error ? error.message : String(error)}); restart the server.`;
  }
}
