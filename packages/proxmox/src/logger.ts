/** The subset of a pino logger the client uses; pino itself fits. */
export interface LoggerLike {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export const silentLogger: LoggerLike = {
  debug() {},
  warn() {},
};
