import { serverPorts } from '../../domain/server-ports.js';
import type { Step, StepContext } from '../context.js';
import { waitForGameAnswer } from '../game/game-answer.js';
import { guestQueryPort } from '../game/game-probe.js';
import { recordServerFacts } from '../job-store.js';
import { ipv4Of } from './server-vm.js';

/** How long a game may take to answer: its own deadline, capped by the runner option when one is set. */
export function gameReadyTimeoutMs(ctx: Pick<StepContext, 'game' | 'options'>): number {
  const own = ctx.game.query.readyWithinSeconds * 1000;
  const cap = ctx.options.gameReadyTimeoutMs;
  return cap === undefined ? own : Math.min(own, cap);
}

/** wait_game: the game answers its query on its guest port before its deadline. */
export const waitGame: Step = {
  name: 'wait_game',
  failure: 'game_unresponsive',
  async run(ctx) {
    const { game, server } = ctx;
    const port = guestQueryPort(game, serverPorts(ctx.deps.db, server.id));
    const answer = await waitForGameAnswer({
      probe: ctx.deps.gameProbe,
      game,
      server: { id: server.id, name: server.name },
      ipv4: ipv4Of(ctx),
      port,
      limitMs: gameReadyTimeoutMs(ctx),
      pollMs: ctx.options.gamePollMs,
      signal: ctx.signal,
      onWaiting: (note) => ctx.progress(note),
    });
    const how = ctx.deps.gameProbe.kind === 'simulated' ? ' (simulated)' : '';
    const named = answer.name ? ` as "${answer.name}"` : '';
    const players = answer.players;
    if (!players) {
      const later = ctx.deps.config.gameReportsUrl
        ? 'it reports players with its server-list announces'
        : 'it cannot report players (set GAME_REPORTS_URL to have it announce them)';
      return {
        detail: `${game.name} answers${how}${named} on port ${port}/${game.query.transport}; ${later}.`,
      };
    }
    recordServerFacts(ctx.deps.db, server.id, { playersOnline: players.online, playersMax: players.max });
    return {
      detail: `${game.name} answers${how}${named}: ${players.online} of ${players.max} players online.`,
    };
  },
};
