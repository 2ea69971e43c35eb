/** Why a game did not answer its query. */
export type GameQueryFailure =
  /** The host refused the connection (TCP reset, or ICMP port unreachable for UDP): nothing listens yet. */
  | 'refused'
  /** No answer within the time given. */
  | 'timeout'
  /** No route to the host, or the connection broke off. */
  | 'unreachable'
  /** The game answered, but refused our credentials (RCON password). */
  | 'auth_failed'
  /** Something answered, but not as the game's protocol says it should. */
  | 'invalid_answer'
  /** The caller's signal stopped the query. */
  | 'aborted';

/** The game did not answer: `reason` for code, `message` one sentence for people. */
export class GameQueryError extends Error {
  override readonly name = 'GameQueryError';
  constructor(
    readonly reason: GameQueryFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `300 ms`, `1.5 s`, `90 s` or `15 min`: how long we waited, as a person reads it. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  const seconds = Math.round(ms / 100) / 10;
  return `${seconds} s`;
}
