import type { Step, StepContext } from '../context.js';
import { type HoldTarget, HoldUnavailable } from '../game/game-hold.js';
import { readServer } from '../job-store.js';
import { readStatus } from '../vm-adapter.js';
import { checkVm } from './check-vm.js';
import { powerOf, serverVm } from './server-vm.js';

/** What hold_game did, so release_game (and a failed backup's clean-up) knows what to undo. */
export interface HoldMemo {
  /** Set before the hold is asked for: a crash in the middle still gets released. */
  held?: boolean;
}

/** What the hold and its release are given: the server's game at the VM's address. */
export function holdTarget(ctx: StepContext, ipv4: string): HoldTarget {
  const { server, game } = ctx;
  return {
    server: { id: server.id, name: server.name, guildId: server.guildId },
    game,
    ipv4,
    signal: ctx.signal,
    onProgress: (message) => ctx.progress(message),
  };
}

/**
 * hold_game: the game saves its world and holds writes (or its service stops) so the snapshot is consistent.
 * A stopped VM is consistent already; a game that cannot be reached is backed up as its disk is, and the step
 * says so rather than failing the backup.
 */
export const holdGame: Step<HoldMemo> = {
  name: 'hold_game',
  failure: 'backup_failed',
  async run(ctx) {
    const vm = serverVm(ctx);
    if (!vm || ctx.memoOf(checkVm).nothingToTouch) return { detail: 'There is no VM to back up.' };
    if (ctx.deps.config.backups.mode === 'stop')
      return { detail: 'BACKUP_MODE is stop: Proxmox shuts the VM down for the backup.' };
    if (powerOf(await readStatus(ctx, vm)) !== 'running')
      return { detail: 'The VM is stopped, so its disk is consistent as it is.' };
    const ipv4 = readServer(ctx.deps.db, ctx.server.id).ipv4;
    if (!ipv4) return { detail: 'The VM has no known address, so the game was not asked to save.' };
    ctx.remember({ held: true });
    try {
      return { detail: await ctx.deps.gameHold.hold(holdTarget(ctx, ipv4)) };
    } catch (error) {
      if (!(error instanceof HoldUnavailable)) throw error;
      ctx.progress(`${error.message} The backup is taken of the disk as it is.`);
      return { detail: `${ctx.game.name} could not be asked to save; the backup is of the disk as it is.` };
    }
  },
};
