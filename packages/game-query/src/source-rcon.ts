// Source RCON over TCP (rcon-client): log in with the server's RCON password, run the catalog's command, read
// the player count from its answer. A successful login alone means the game is up.
import { Rcon } from 'rcon-client';
import { GameQueryError } from './errors.js';
import { endpoint, type QueryTarget, withDeadline } from './target.js';
import type { GameAnswer } from './types.js';

/** Factorio's `/players online count` answers `Online players (<n>):`. */
export function onlineFromAnswer(answer: string): number | undefined {
  const match = /Online players \((\d+)\)/i.exec(answer);
  return match ? Number(match[1]) : undefined;
}

function classify(target: QueryTarget, error: unknown): GameQueryError {
  if (error instanceof GameQueryError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const where = endpoint(target);
  if (code === 'ECONNREFUSED') {
    return new GameQueryError(
      'refused',
      `${target.game.name} is not listening for RCON on ${where} yet: the connection was refused.`,
      { cause: error },
    );
  }
  if (/Authentication failed/i.test(message)) {
    return new GameQueryError(
      'auth_failed',
      `${target.game.name} refused the RCON password on ${where}: the password it was installed with differs.`,
      { cause: error },
    );
  }
  if (/^Timeout for packet/i.test(message)) {
    return new GameQueryError(
      'timeout',
      `${target.game.name} accepted the RCON connection on ${where} but did not answer in time.`,
      { cause: error },
    );
  }
  return new GameQueryError(
    'unreachable',
    `${target.game.name}'s RCON on ${where} broke off: ${code ?? message.replace(/\.$/, '')}.`,
    { cause: error },
  );
}

export async function querySourceRcon(
  target: QueryTarget,
  command: string,
  password: string | undefined,
  maxPlayers: number,
): Promise<GameAnswer> {
  if (password === undefined || password === '') {
    throw new GameQueryError(
      'auth_failed',
      `${target.game.name} is queried over RCON, which needs the server's RCON password; none was given.`,
    );
  }
  const rcon = new Rcon({ host: target.host, port: target.port, password, timeout: target.timeoutMs });
  // Errors after the connection is made reach the pending request; this keeps them from being unhandled.
  rcon.on('error', () => {});
  const started = performance.now();
  const work = (async () => {
    try {
      await rcon.connect();
    } catch (error) {
      throw classify(target, error);
    }
    const pingMs = Math.max(1, Math.round(performance.now() - started));
    let answer: string | undefined;
    try {
      answer = await rcon.send(command);
    } catch {
      // Logged in is up; the count is a bonus.
    }
    const online = answer === undefined ? undefined : onlineFromAnswer(answer);
    return {
      players: online === undefined ? undefined : { online, max: maxPlayers },
      pingMs,
      raw: { command, answer },
    } satisfies GameAnswer;
  })();
  try {
    return await withDeadline(target, 'an RCON login', work, () => rcon.socket?.destroy());
  } finally {
    rcon.socket?.destroy();
  }
}

/**
 * Logs in and runs each command in order (a backup's save-and-hold), resolving with the answers; any refusal or
 * silence rejects with a GameQueryError naming it. The whole exchange has the target's deadline.
 */
export async function runRconCommands(
  target: QueryTarget,
  password: string,
  commands: readonly string[],
): Promise<string[]> {
  const rcon = new Rcon({ host: target.host, port: target.port, password, timeout: target.timeoutMs });
  rcon.on('error', () => {});
  const work = (async () => {
    try {
      await rcon.connect();
    } catch (error) {
      throw classify(target, error);
    }
    const answers: string[] = [];
    for (const command of commands) {
      try {
        answers.push(await rcon.send(command));
      } catch (error) {
        throw classify(target, error);
      }
    }
    return answers;
  })();
  try {
    return await withDeadline(target, 'its RCON commands', work, () => rcon.socket?.destroy());
  } finally {
    rcon.socket?.destroy();
  }
}
