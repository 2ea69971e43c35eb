/** A failure `gs` explains in one sentence (never a stack trace), with a stable code for --json. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: string = 'cli_error',
  ) {
    super(message);
  }
}
