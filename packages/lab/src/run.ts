import { execFile } from 'node:child_process';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Kill the command after this long. */
  timeoutMs?: number;
}

/** Runs a command without a shell; a failure's message carries the command and its stderr. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { maxBuffer: 64 * 1024 * 1024, env: options.env ?? process.env, timeout: options.timeoutMs ?? 0 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim() || stdout.trim().slice(-2000);
          reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${detail}`.trim()));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/** Like `run`, but a failure is ignored: for clean-up steps whose object may already be gone. */
export async function runQuietly(command: string, args: string[]): Promise<void> {
  await run(command, args).catch(() => undefined);
}

/** The Debian packages providing the given commands that are not on this machine. */
export async function missingCommands(commands: Record<string, string>): Promise<string[]> {
  const missing: string[] = [];
  for (const [command, debianPackage] of Object.entries(commands)) {
    const found = await run('sh', ['-c', `command -v ${command}`]).then(
      () => true,
      () => false,
    );
    if (!found && !missing.includes(debianPackage)) missing.push(debianPackage);
  }
  return missing;
}
