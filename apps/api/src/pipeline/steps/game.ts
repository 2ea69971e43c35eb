// setup_game and wait_game: through the GameRunner and GameProbe interfaces.
import { asc, eq } from 'drizzle-orm';
import { ports } from '../../db/schema.js';
import type { StepContext, StepOutcome } from '../context.js';
import { StepFailure, StepInterrupted } from '../failures.js';
import { type GamePort, GameSetupError } from '../game/game-runner.js';
import { readServer, recordServerFacts } from '../job-store.js';
import { sleep } from '../sleep.js';

function ipv4Of(ctx: StepContext): string {
  const ipv4 = readServer(ctx.deps.db, ctx.server.id).ipv4;
  if (!ipv4)
    throw new StepFailure(
      'network_timeout',
      'The VM has no known IPv4 address, so the game cannot be reached.',
    );
  return ipv4;
}

function portsOf(ctx: StepContext): GamePort[] {
  return ctx.deps.db
    .select()
    .from(ports)
    .where(eq(ports.serverId, ctx.server.id))
    .orderBy(asc(ports.port))
    .all()
    .map((p) => ({
      purpose: p.purpose,
      protocol: p.protocol as 'tcp' | 'udp',
      port: p.port,
      guestPort: p.guestPort,
    }));
}

export async function setupGame(ctx: StepContext): Promise<StepOutcome> {
  const { server, game } = ctx;
  try {
    const result = await ctx.deps.gameRunner.setup({
      server: { id: server.id, name: server.name, guildId: server.guildId },
      game,
      ipv4: ipv4Of(ctx),
      ports: portsOf(ctx),
      size: { cores: server.cores, memory: server.memoryMiB, disk: server.diskGiB },
      signal: ctx.signal,
      onProgress: (message) => ctx.progress(message),
    });
    return { detail: result.detail };
  } catch (error) {
    if (ctx.signal.aborted) throw new StepInterrupted();
    if (error instanceof GameSetupError) throw new StepFailure('game_setup_failed', error.message, error.log);
    throw error;
  }
}

export async function waitGame(ctx: StepContext): Promise<StepOutcome> {
  const { game } = ctx;
  const ipv4 = ipv4Of(ctx);
  const deadline = Date.now() + ctx.options.gameReadyTimeoutMs;
  let announced = false;
  for (;;) {
    const players = await ctx.deps.gameProbe.query({ game, ipv4, signal: ctx.signal });
    if (players) {
      recordServerFacts(ctx.deps.db, ctx.server.id, {
        playersOnline: players.online,
        playersMax: players.max,
      });
      const how = ctx.deps.gameProbe.kind === 'simulated' ? ' (simulated)' : '';
      return { detail: `${game.name} answers${how}: ${players.online} of ${players.max} players online.` };
    }
    if (!announced) {
      ctx.progress(`Waiting for ${game.name} to answer on port ${game.query.port}/${game.query.transport}.`);
      announced = true;
    }
    if (Date.now() >= deadline) {
      throw new StepFailure(
        'game_unresponsive',
        `${game.name} did not answer on port ${game.query.port}/${game.query.transport} within ${Math.round(ctx.options.gameReadyTimeoutMs / 1000)} s.`,
      );
    }
    await sleep(ctx.options.gamePollMs, ctx.signal);
  }
}
