// An API over HTTP with a worker in this process (fast poll intervals, EDGE=none unless said), and the waits its
// tests share: until something holds, a job's end, a server created and running.
import type { Job, Server } from '@guildserver/contracts';
import type { SimulatorOptions } from '@guildserver/pve-sim';
import { afterEach, expect } from 'vitest';
import { type RunningWorker, startWorker } from '../../src/worker/start-worker.js';
import { client, createBody, type Harness, startApi } from './api-harness.js';

export const FAST_STEPS = {
  taskPollMs: 20,
  taskMaxPollMs: 100,
  lockPollMs: 20,
  networkPollMs: 20,
  gamePollMs: 20,
};

export interface WorkerStack {
  api: Harness;
  worker: RunningWorker;
  /** An admin token's client. */
  admin: ReturnType<typeof client>;
}

/** Starts a stack per call; every stack a test started is closed after it. */
export function useWorkerStacks(): (
  env?: Record<string, string>,
  sim?: SimulatorOptions,
) => Promise<WorkerStack> {
  const started: WorkerStack[] = [];
  afterEach(async () => {
    for (const stack of started.splice(0)) {
      await stack.worker.close();
      await stack.api.close();
    }
  });
  return async (env = {}, sim = {}) => {
    const api = await startApi({ env: { EDGE: 'none', ...env }, sim });
    const worker = await startWorker(api.services, { runner: FAST_STEPS, sweepIntervalMs: 200 });
    const stack = { api, worker, admin: client(api.url, api.token(['admin'])) };
    started.push(stack);
    return stack;
  };
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function finished(s: WorkerStack, jobId: string): Promise<Job> {
  return until(`job ${jobId}`, async () => {
    const { body } = await s.admin<Job>('GET', `/v1/jobs/${jobId}`);
    return body.state === 'succeeded' || body.state === 'failed' ? body : undefined;
  });
}

export async function runningServer(s: WorkerStack, name: string, game = 'minecraft-java'): Promise<Server> {
  const created = await s.admin<{ server: Server; jobId: string }>(
    'POST',
    '/v1/servers',
    createBody(name, { game }),
  );
  expect((await finished(s, created.body.jobId)).state).toBe('succeeded');
  return (await s.admin<Server>('GET', `/v1/servers/${created.body.server.id}`)).body;
}
