// Starts bench/sim-server.ts in a child process (same Node, same tsx loader) and stops it again.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SimulatorOptions } from '@guildserver/pve-sim';

export interface SimExit {
  /** Requests from our client that another PVE version's schema would reject. */
  schemaViolations: number;
  /** Tasks the simulator ran in its lifetime. */
  tasks: number;
}

export interface SimProcess {
  /** Base URL without /api2/json. */
  url: string;
  stop(): Promise<SimExit>;
}

const ENTRY = fileURLToPath(new URL('./sim-server.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export async function spawnSimulator(options: SimulatorOptions): Promise<SimProcess> {
  // Under tsx, execArgv carries its loader, so the child runs TypeScript the same way.
  const child = spawn(process.execPath, [...process.execArgv, ENTRY, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const nextLine = async (what: string): Promise<Record<string, unknown>> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`simulator child: no ${what} within 30 s`)),
        START_TIMEOUT_MS,
      );
    });
    try {
      const line = await Promise.race([lines.next(), timeout]);
      if (line.done) throw new Error(`simulator child exited before printing its ${what}`);
      return JSON.parse(line.value) as Record<string, unknown>;
    } finally {
      clearTimeout(timer);
    }
  };

  const hello = await nextLine('URL').catch((error: unknown) => {
    child.kill();
    throw error;
  });
  if (typeof hello.url !== 'string')
    throw new Error(`simulator child printed no URL: ${JSON.stringify(hello)}`);

  return {
    url: hello.url,
    stop: async () => {
      child.stdin.end();
      const summary = await nextLine('exit summary');
      await exited;
      return { schemaViolations: Number(summary.schemaViolations), tasks: Number(summary.tasks) };
    },
  };
}
