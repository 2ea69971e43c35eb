// Waiting until a game answers its query inside a VM, or its deadline passes: a server's wait_game and an image
// build's check of the game it installed.
import { formatDuration } from '@guildserver/game-query';
import type { GameDefinition } from '@guildserver/games';
import { pollUntil } from '@guildserver/timing';
import { StepFailure, StepInterrupted } from '../failures.js';
import type { GameProbe, GameProbeResult } from './game-probe.js';

export interface GameAnswerWait {
  probe: GameProbe;
  game: GameDefinition;
  server: { id: string; name: string };
  ipv4: string;
  /** The guest port the game answers its query on (`guestQueryPort`). */
  port: number;
  limitMs: number;
  pollMs: number;
  signal: AbortSignal;
  /** Said once, when the first query finds the game not answering yet. */
  onWaiting(note: string): void;
}

export type GameAnswer = Extract<GameProbeResult, { up: true }>;

/** Resolves with the game's answer; fails with `game_unresponsive` when it refuses for good or stays silent. */
export function waitForGameAnswer(wait: GameAnswerWait): Promise<GameAnswer> {
  const { game, port, limitMs, signal } = wait;
  const where = `port ${port}/${game.query.transport}`;
  let announced = false;
  let lastReason: string | undefined;
  return pollUntil(
    async (deadline) => {
      const result = await wait.probe.query({
        game,
        server: wait.server,
        ipv4: wait.ipv4,
        port,
        timeoutMs: Math.max(1, deadline - Date.now()),
        signal,
      });
      if (signal.aborted) throw new StepInterrupted();
      if (result.up) return result;
      lastReason = result.reason;
      if (result.final) throw new StepFailure('game_unresponsive', result.reason);
      if (!announced) {
        wait.onWaiting(`Waiting for ${game.name} to answer on ${where} (up to ${formatDuration(limitMs)}).`);
        announced = true;
      }
      return undefined;
    },
    {
      timeoutMs: limitMs,
      intervalMs: wait.pollMs,
      signal,
      onTimeout: () =>
        new StepFailure(
          'game_unresponsive',
          `${game.name} did not answer on ${where} within ${formatDuration(limitMs)}. Last try: ${lastReason}`,
        ),
    },
  );
}
