import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import type { TokenScope } from '@guildserver/contracts';
import { type EntryPoint, entryArgs, REPO_ROOT } from '@guildserver/paths';
import { sleep } from '@guildserver/timing';
import { createCliApiClient } from '../api/client.js';
import { CliError } from '../errors.js';

export type ChildEnv = Record<string, string | undefined>;

/** The API (and a worker) as a child in its own process group, so stopping the group leaves nothing behind. */
export interface ApiProcess {
  pid: number;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<string>;
  /** Why it stopped, when it said so: its own sentence, else the first error line of a crash. */
  lastSentence(): string | undefined;
  /** SIGTERM to the API (it stops its worker, then its redis-server), SIGKILL to the group after the deadline; then whatever is left in the group. */
  stop(deadlineMs?: number): Promise<void>;
  /** Last resort, synchronous (for process 'exit'). */
  kill(): void;
}

export function spawnApi(role: 'all' | 'api' | 'worker', env: ChildEnv, logPath: string): ApiProcess {
  return spawnNodeChild('api', [role], env, logPath, 'guildserver-api:');
}

/**
 * An entry point as a child in its own process group: its source through tsx, or its bundle when `gs` runs from
 * one (see @guildserver/paths); `prefix` marks its one-sentence failures.
 */
export function spawnNodeChild(
  entry: EntryPoint,
  args: string[],
  env: ChildEnv,
  logPath: string,
  prefix: string,
): ApiProcess {
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(process.execPath, [...entryArgs(entry), ...args], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Its start-up failures: one `guildserver-api: …` sentence, or (a crash) an error line in a stack trace.
  let sentence: string | undefined;
  let errorLine: string | undefined;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => {
      log.write(`${line}\n`);
      if (line.startsWith(prefix)) sentence = line.slice(prefix.length).trim();
      else if (!errorLine && /^(\w*Error\b|\S+:\d+:\d+: ERROR:)/.test(line)) errorLine = line.trim();
    });
  }
  let leaderGone = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`));
    child.once('error', (error) => resolve(error.message));
  }).finally(() => {
    leaderGone = true;
  });
  const pid = child.pid ?? -1;
  const groupAlive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const waitFor = async (condition: () => boolean, ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (condition()) return true;
      await sleep(100);
    }
    return condition();
  };
  return {
    pid,
    exited,
    lastSentence: () => sentence ?? errorLine,
    async stop(deadlineMs = 15_000) {
      if (pid <= 0) return;
      if (leaderGone) {
        // It died on its own: what it started (the API's redis-server) is left without it; ask it to stop.
        signalGroup('SIGTERM');
      } else {
        // Only the leader: the API closes its worker and queue before stopping its own redis-server.
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      const gone = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), deadlineMs)),
      ]);
      if (!gone) signalGroup('SIGKILL');
      // The API stops its redis-server itself; anything still in the group after it is an orphan in waiting.
      if (!(await waitFor(() => !groupAlive(), 3_000))) {
        signalGroup('SIGKILL');
        await waitFor(() => !groupAlive(), 2_000);
      }
      if (!log.writableEnded) await new Promise<void>((resolve) => log.end(resolve));
    },
    kill: () => {
      if (pid > 0) signalGroup('SIGKILL');
    },
  };
}

/** `apps/api/src/main.ts token create …`: prints the clear token on stdout, once. */
export function createAdminToken(env: ChildEnv, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...entryArgs('api'), 'token', 'create', '--name', name, '--scope', 'admin'],
      { cwd: REPO_ROOT, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const token = stdout.trim().split('\n').pop() ?? '';
        if (error || !token.startsWith('gs_')) {
          const why =
            stderr
              .trim()
              .split('\n')
              .pop()
              ?.replace(/^guildserver-api:\s*/, '') || error?.message;
          reject(
            new CliError(
              `Could not create the admin token: ${why ?? 'no token was printed'}`,
              'stack_failed',
            ),
          );
        } else resolve(token);
      },
    );
  });
}

/** `wanted` when it is free on 127.0.0.1, else any free port (0 asks for any straight away). */
export function pickPort(wanted: number): Promise<number> {
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const { port: got } = server.address() as { port: number };
        server.close(() => resolve(got));
      });
    });
  return listen(wanted).catch(() => listen(0));
}

/** A token for one of the stack's children (the bot, the edge), made through the API with the admin token. */
export async function mintToken(
  apiUrl: string,
  adminToken: string,
  name: string,
  scope: TokenScope,
): Promise<string> {
  return (await createCliApiClient({ baseUrl: apiUrl, token: adminToken }).createToken(name, [scope])).token;
}
