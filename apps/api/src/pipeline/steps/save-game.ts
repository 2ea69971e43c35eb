import type { Step } from '../context.js';
import { HoldUnavailable } from '../game/game-hold.js';
import { readServer } from '../job-store.js';
import { holdTarget } from './hold-game.js';

/**
 * save_game (a sleep): a game with a save command saves its world now — its hold and release, as a backup
 * makes them — so the world on disk is current whichever way the VM sleeps. A game that saves only as its
 * service stops is left alone: a shutdown stops its service, and a hibernated VM keeps the game as it was.
 */
export const saveGame: Step = {
  name: 'save_game',
  failure: 'sleep_failed',
  async run(ctx) {
    const { game } = ctx;
    if (game.backup.hold.kind !== 'rcon')
      return {
        detail:
          game.sleep === 'shutdown'
            ? `${game.name} saves its world as its service stops with the VM.`
            : `${game.name} has no save command; hibernating keeps it exactly as it is.`,
      };
    const ipv4 = readServer(ctx.deps.db, ctx.server.id).ipv4;
    if (!ipv4) return { detail: 'The VM has no known address, so the game was not asked to save.' };
    const target = holdTarget(ctx, ipv4);
    try {
      const held = await ctx.deps.gameHold.hold(target);
      const released = await ctx.deps.gameHold.release(target);
      return { detail: `${held} ${released}` };
    } catch (error) {
      if (!(error instanceof HoldUnavailable)) throw error;
      // Sleeping still keeps the world: the shutdown stops the game (which saves), or hibernation keeps it.
      return { detail: `${error.message} It sleeps with the world as the game last saved or holds it.` };
    }
  },
};
