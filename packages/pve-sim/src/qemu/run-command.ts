import { execFile } from 'node:child_process';

/** A command that failed, with what it printed on stderr (tool output, never a secret of ours). */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${command} failed${exitCode === null ? '' : ` with exit code ${exitCode}`}: ${stderr.trim()}`);
    this.name = 'CommandError';
  }
}

/** Runs a program with an argument array (never through a shell) and resolves with its stdout. */
export function runCommand(command: string, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const code = typeof error.code === 'number' ? error.code : null;
      reject(new CommandError(command, code, stderr || error.message));
    });
  });
}
