// What the monitor's whole-stack tests share: a stack whose player monitor runs every second (EDGE=none), its
// stacks closed after each test, and the real query probe pointed at a stand-in game on 127.0.0.1.
import { afterEach } from 'vitest';
import { createQueryGameProbe, type GameProbe } from '../../src/pipeline/game/game-probe.js';
import { gameSecretsFromKey } from '../../src/pipeline/game/game-secrets.js';
import { type RunningWorker, startWorker } from '../../src/worker/start-worker.js';
import { client, type Harness, startApi } from '../support/api-harness.js';
import { FAST_STEPS, type WorkerStack } from '../support/worker-stack.js';

/** The real query probe, sent to `port` on 127.0.0.1 whatever VM address the simulator gave the server. */
export function probeAt(port: () => number): GameProbe {
  const real = createQueryGameProbe({ secrets: gameSecretsFromKey('k'.repeat(40)) });
  return { kind: 'query', query: (request) => real.query({ ...request, ipv4: '127.0.0.1', port: port() }) };
}

/** A player as a Quake 3 stand-in lists one. */
export const player = (name: string) => ({ score: 0, ping: 40, name });

/** Starts a stack per call (the simulated probe unless one is given); each is closed after its test. */
export function useMonitoredStacks(): (
  env: Record<string, string>,
  probe?: GameProbe,
) => Promise<WorkerStack> {
  const stacks: { api: Harness; worker: RunningWorker }[] = [];
  afterEach(async () => {
    for (const s of stacks.splice(0)) {
      await s.worker.close();
      await s.api.close();
    }
  });
  return async (env, probe) => {
    const api = await startApi({ env: { EDGE: 'none', MONITOR_INTERVAL: '1s', ...env } });
    const worker = await startWorker(api.services, {
      runner: FAST_STEPS,
      sweepIntervalMs: 200,
      ...(probe ? { gameProbe: probe } : {}),
    });
    stacks.push({ api, worker });
    return { api, worker, admin: client(api.url, api.token(['admin'])) };
  };
}
