// The local stack's edge: the real daemon in dry mode. The simulated VMs have addresses nobody can reach and the
// stack runs without root, so it applies nothing; it follows the API, computes the table and reports it, which
// makes creates wait for it as they would for a real edge, the notices say the address belongs to a simulated
// VM, and `gs edge rules` / `gs edge status` show what a real edge would do.
import { pollUntil } from '@guildserver/timing';
import { createCliApiClient } from '../api/client.js';
import { CliError } from '../errors.js';
import { type ApiProcess, type ChildEnv, spawnNodeChild } from './api-process.js';

/** How the local stack's edge reports itself (`gs edge status`). */
export const LOCAL_EDGE_NAME = 'local-dry';

export function edgeEnvironment(inherited: ChildEnv, apiUrl: string, edgeToken: string): ChildEnv {
  return {
    PATH: inherited.PATH,
    HOME: inherited.HOME,
    API_URL: apiUrl,
    EDGE_API_TOKEN: edgeToken,
    EDGE_MODE: 'dry',
    EDGE_NAME: LOCAL_EDGE_NAME,
    EDGE_METRICS_PORT: '0',
    // Sleeping servers answer players on this machine (the simulated VMs are reachable by nobody else).
    EDGE_ASLEEP_ADDRESS: '127.0.0.1',
    LOG_LEVEL: inherited.LOG_LEVEL || 'info',
  };
}

export function spawnEdge(env: ChildEnv, logPath: string): ApiProcess {
  return spawnNodeChild('edge', [], env, logPath, 'guildserver-edge:');
}

/** Resolves once the edge has reported a table to the API (creates then wait for it, not for a timeout). */
export async function waitForEdgeReport(
  apiUrl: string,
  adminToken: string,
  exited: Promise<never>,
  timeoutMs = 60_000,
): Promise<void> {
  const client = createCliApiClient({ baseUrl: apiUrl, token: adminToken });
  const stop = new AbortController();
  const reported = pollUntil(
    async () => {
      const status = await client.edgeStatus();
      return (
        status.edges.some((e) => e.name === LOCAL_EDGE_NAME && e.appliedGeneration !== null) || undefined
      );
    },
    {
      timeoutMs,
      intervalMs: 200,
      signal: stop.signal,
      onTimeout: () =>
        new CliError(`The edge did not report to the API within ${timeoutMs / 1000} s.`, 'stack_failed'),
    },
  );
  reported.catch(() => {});
  try {
    await Promise.race([reported, exited]);
  } finally {
    stop.abort();
  }
}
