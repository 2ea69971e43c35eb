// Before a snapshot backup the game is brought to a consistent world on disk, and let go after, the way its
// catalog entry says (`backup.hold`): RCON commands (Minecraft's save-off / save-all flush … save-on), or its
// service stopped and started again (games that save on exit). The worker only sees this interface.

import { GameQueryError, runRconCommands } from '@guildserver/game-query';
import { type BackupHold, type GameDefinition, gamePorts } from '@guildserver/games';
import type { GameRunner, GameSetupServer } from './game-runner.js';
import type { GameSecrets } from './game-secrets.js';

export interface HoldTarget {
  server: GameSetupServer;
  game: GameDefinition;
  ipv4: string;
  signal: AbortSignal;
  onProgress(message: string): void;
}

/** A hold that could not be made: the game was not reached or refused; the backup goes on without it. */
export class HoldUnavailable extends Error {
  override name = 'HoldUnavailable';
}

export interface GameHold {
  readonly kind: string;
  /** Resolves with a sentence once the world is on disk and held; rejects with HoldUnavailable. */
  hold(target: HoldTarget): Promise<string>;
  /** Undoes the hold (save-on, the service started); rejects with HoldUnavailable. */
  release(target: HoldTarget): Promise<string>;
  /** Shows players a message in-game (a restart's warning); rejects with HoldUnavailable where there is no way. */
  say(target: HoldTarget, message: string): Promise<string>;
}

/** Why a game cannot show players a message, or undefined when it can (over RCON). */
export function cannotSay(game: GameDefinition): string | undefined {
  return game.backup.hold.kind === 'rcon'
    ? undefined
    : `${game.name} has no way for GuildServer to talk to players in-game.`;
}

export interface GameHoldOptions {
  runner: GameRunner;
  secrets: () => GameSecrets;
  /** How long the game may take over its RCON commands (a big world's save-all flush). Default 60 s. */
  rconTimeoutMs?: number;
}

/** The RCON port inside the VM: never published, always the catalog's. */
function rconPort(game: GameDefinition): number {
  const port = gamePorts(game).find((p) => p.purpose === 'rcon');
  if (!port) throw new HoldUnavailable(`${game.name} has no RCON port in the catalog.`);
  return port.guestPort;
}

export function createGameHold(options: GameHoldOptions): GameHold {
  const rconTimeoutMs = options.rconTimeoutMs ?? 60_000;

  async function rcon(
    target: HoldTarget,
    hold: Extract<BackupHold, { kind: 'rcon' }>,
    commands: readonly string[],
  ) {
    const { game, server } = target;
    const secrets = options.secrets();
    const password =
      hold.password === 'server-secret'
        ? secrets.rconPassword(server.id)
        : secrets.settingPassword(server.id, hold.password);
    try {
      await runRconCommands(
        { game, host: target.ipv4, port: rconPort(game), timeoutMs: rconTimeoutMs, signal: target.signal },
        password,
        commands,
      );
    } catch (error) {
      if (error instanceof GameQueryError) throw new HoldUnavailable(error.message, { cause: error });
      throw error;
    }
  }

  async function service(target: HoldTarget, action: 'stop' | 'start') {
    try {
      return await options.runner.service({ ...target, action });
    } catch (error) {
      if (target.signal.aborted) throw error;
      throw new HoldUnavailable(error instanceof Error ? error.message : String(error), { cause: error });
    }
  }

  return {
    kind: options.runner.kind,
    async hold(target) {
      const { hold } = target.game.backup;
      if (hold.kind === 'stop-service') return service(target, 'stop');
      await rcon(target, hold, hold.before);
      return `${target.game.name} saved its world over RCON (${hold.before.join(', ')}).`;
    },
    async release(target) {
      const { hold } = target.game.backup;
      if (hold.kind === 'stop-service') return service(target, 'start');
      if (hold.after.length === 0) return `${target.game.name} needs nothing after its save.`;
      await rcon(target, hold, hold.after);
      return `${target.game.name} writes its world again (${hold.after.join(', ')}).`;
    },
    async say(target, message) {
      const { hold } = target.game.backup;
      const why = cannotSay(target.game);
      if (hold.kind !== 'rcon') throw new HoldUnavailable(why);
      await rcon(target, hold, [hold.say.replace('{message}', message)]);
      return `Told the players in ${target.game.name}: “${message}”`;
    },
  };
}

/** For the simulator: there is no game to talk to; says what would be done. */
export function createSimulatedGameHold(): GameHold {
  const what = (game: GameDefinition, phase: 'hold' | 'release') => {
    const { hold } = game.backup;
    if (hold.kind === 'stop-service') return `${phase === 'hold' ? 'stop' : 'start'} ${game.name}'s service`;
    const commands = phase === 'hold' ? hold.before : hold.after;
    return commands.length > 0 ? `send ${commands.join(', ')} over RCON` : 'do nothing';
  };
  return {
    kind: 'simulated',
    hold: async ({ game }) => `Simulated: would ${what(game, 'hold')} (no real VM behind the simulator).`,
    release: async ({ game }) =>
      `Simulated: would ${what(game, 'release')} (no real VM behind the simulator).`,
    say: async ({ game }, message) => {
      const why = cannotSay(game);
      if (why) throw new HoldUnavailable(why);
      return `Simulated: would tell the players in ${game.name} “${message}” (no real VM behind the simulator).`;
    },
  };
}
