// Shared set-up for the integration tests: a TLS simulator and a pinned client that records its log lines.
import {
  DEFAULT_SIM_TOKEN,
  type PveVersion,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator,
} from '@guildserver/pve-sim';
import { createProxmoxClient, type ProxmoxClient, type ProxmoxClientOptions } from '../../src/index';
import { captureLogger } from '../fake-server';

export const VERSIONS: PveVersion[] = ['7.4', '8.4', '9.1'];

export const LIMITED_TOKEN = {
  id: 'auditor@pve!readonly',
  secret: '0b7e1a52-4c1d-4e2f-9a3b-6d5c4b3a2f10',
  acl: { '/': ['Sys.Audit', 'VM.Audit', 'Datastore.Audit'] },
};

export const USERS = { 'gs@pve': 'ticket pass phrase' };

export async function startSim(
  version: PveVersion,
  extra: Partial<SimulatorOptions> = {},
): Promise<RunningSimulator> {
  return startSimulator({
    pveVersion: version,
    profile: 'fast',
    tls: true,
    authFailureDelayMs: 20,
    tokens: [DEFAULT_SIM_TOKEN, LIMITED_TOKEN],
    users: USERS,
    storageLockSlots: 2,
    crossCheckVersions: VERSIONS.filter((v) => v !== version),
    ...extra,
  });
}

export function clientFor(sim: RunningSimulator, extra: Partial<ProxmoxClientOptions> = {}) {
  const log = captureLogger();
  const client: ProxmoxClient = createProxmoxClient({
    baseUrl: sim.url,
    auth: { kind: 'token', tokenId: DEFAULT_SIM_TOKEN.id, secret: DEFAULT_SIM_TOKEN.secret },
    tls: { fingerprint: sim.fingerprint! },
    retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    connections: 8,
    logger: log.logger,
    ...extra,
  });
  return { client, log };
}

/** Quick polling: the simulator's fast profile finishes tasks in tens of milliseconds. */
export const FAST_WAIT = { intervalMs: 10, maxIntervalMs: 50, timeoutMs: 20_000 } as const;
