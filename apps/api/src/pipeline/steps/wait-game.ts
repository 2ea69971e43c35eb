import { formatDuration } from '@guildserver/game-query';
import { pollUntil } from '@guildserver/timing';
import { serverPorts } from '../../domain/server-ports.js';
import type { Step, StepContext } from '../context.js';
import { StepFailure, StepInterrupted } from '../failures.js';
import { guestQueryPort } from '../game/game-probe.js';
import { recordServerFacts } from '../job-store.js';
import { ipv4Of } from './server-vm.js';

/** How long wait_game waits: the game's own deadline, capped by the runner option when one is set. */
export function gameReadyTimeoutMs(ctx: StepContext): number {
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
    const ipv4 = ipv4Of(ctx);
    const port = guestQueryPort(game, serverPorts(ctx.deps.db, server.id));
    const where = `port ${port}/${game.query.transport}`;
    const limitMs = gameReadyTimeoutMs(ctx);
    let announced = false;
    let lastReason: string | undefined;
    return pollUntil(
      async (deadline) => {
        const result = await ctx.deps.gameProbe.query({
          game,
          server: { id: server.id, name: server.name },
          ipv4,
          port,
          timeoutMs: Math.max(1, deadline - Date.now()),
          signal: ctx.signal,
        });
        if (ctx.signal.aborted) throw new StepInterrupted();
        if (result.up) {
          const how = ctx.deps.gameProbe.kind === 'simulated' ? ' (simulated)' : '';
          const named = result.name ? ` as "${result.name}"` : '';
          const players = result.players;
          if (!players) {
            const later = ctx.deps.config.gameReportsUrl
              ? 'it reports players with its server-list announces'
              : 'it cannot report players (set GAME_REPORTS_URL to have it announce them)';
            return { detail: `${game.name} answers${how}${named} on ${where}; ${later}.` };
          }
          recordServerFacts(ctx.deps.db, server.id, {
            playersOnline: players.online,
            playersMax: players.max,
          });
          return {
            detail: `${game.name} answers${how}${named}: ${players.online} of ${players.max} players online.`,
          };
        }
        lastReason = result.reason;
        if (result.final) throw new StepFailure('game_unresponsive', result.reason);
        if (!announced) {
          ctx.progress(`Waiting for ${game.name} to answer on ${where} (up to ${formatDuration(limitMs)}).`);
          announced = true;
        }
        return undefined;
      },
      {
        timeoutMs: limitMs,
        intervalMs: ctx.options.gamePollMs,
        signal: ctx.signal,
        onTimeout: () =>
          new StepFailure(
            'game_unresponsive',
            `${game.name} did not answer on ${where} within ${formatDuration(limitMs)}. Last try: ${lastReason}`,
          ),
      },
    );
  },
};
