/** A failure `gs` explains in one sentence (never a stack trace); `code` is the API's stable code when it has one. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: string = 'cli_error',
  ) {
    super(message);
  }
}

/** The API answered with `{ error: { code, message } }` (or something unexpected). */
export class ApiError extends CliError {
  constructor(
    code: string,
    message: string,
    readonly status: number,
  ) {
    super(message, code);
  }
}

/** Nothing (or nothing sensible) answers at API_URL. */
export class ApiUnreachableError extends CliError {
  constructor(message: string) {
    super(message, 'api_unreachable');
  }
}
