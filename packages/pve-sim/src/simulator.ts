import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { sleep } from '@guildserver/timing';
import { DEFAULT_SIM_TOKEN, type SchemaViolation, type SimulatorOptions } from './api.js';
import { Credentials } from './auth/credentials.js';
import { createSimulatedBackend } from './backend.js';
import { Cluster } from './cluster/cluster.js';
import type { ClusterState } from './cluster/model.js';
import { seedCluster, seedVms } from './cluster/seed.js';
import { loadState, saveState } from './cluster/state-file.js';
import { StorageLocks } from './cluster/storage-locks.js';
import { FaultController } from './faults.js';
import { createTicketHandler } from './handlers/access.js';
import type { SimContext } from './handlers/context.js';
import { buildRoutes } from './handlers/routes.js';
import { API_PREFIX, createApiHandler } from './http/api-handler.js';
import { CONTROL_PREFIX, createControlHandler } from './http/control-handler.js';
import { durationsFor } from './profiles.js';
import { findParamSchema, loadSchema } from './schema/index.js';
import { TaskRunner } from './tasks/runner.js';
import { createSimCertificate } from './tls.js';

export interface RunningSimulator {
  /** Base URL without /api2/json, e.g. `https://127.0.0.1:8006`. */
  url: string;
  port: number;
  /** SHA-256 fingerprint of the node certificate (TLS only). */
  fingerprint?: string;
  /** The cluster CA certificate in PEM (TLS only): what PROXMOX_CA_FILE should contain. */
  caPem?: string;
  version: SimulatorOptions['pveVersion'] & string;
  faults: FaultController;
  /** The live cluster state (read it in tests; change it only through the API or faults). */
  state: ClusterState;
  /** Requests from our own client that another version's schema rejects. */
  schemaViolations: SchemaViolation[];
  /** API calls answered so far, by `METHOD <schema path>`, e.g. `POST /nodes/{node}/qemu/{vmid}/clone`. */
  calls: Map<string, number>;
  /** Waits until every task started so far has ended. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const SAVE_DEBOUNCE_MS = 200;

/** Every violation any simulator in this process recorded: the test suite's guard reads it after each file. */
const violationsInProcess: SchemaViolation[] = [];
export function schemaViolationsInProcess(): readonly SchemaViolation[] {
  return violationsInProcess;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const version = options.pveVersion ?? '9.1';
  const schemaOptions = options.schemaDir ? { schemaDir: options.schemaDir } : undefined;
  const schema = loadSchema(version, schemaOptions);
  const state = (options.statePath ? loadState(options.statePath) : undefined) ?? seedCluster();
  if (options.seedVms) seedVms(state, options.seedVms);

  let saveTimer: NodeJS.Timeout | undefined;
  const changed = () => {
    if (!options.statePath || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      saveState(options.statePath!, state);
    }, SAVE_DEBOUNCE_MS);
  };

  const cluster = new Cluster(state);
  const faults = new FaultController((node, online) => {
    const target = cluster.node(node);
    if (!target) throw new Error(`no node named '${node}' in the simulated cluster`);
    target.online = online;
  });
  const backend = options.backend ?? createSimulatedBackend();
  backend.onExit((vmid) => {
    // The guest powered itself off, or its process died: PVE then shows the VM stopped.
    const vm = cluster.findVm(vmid);
    if (vm?.status !== 'running') return;
    vm.status = 'stopped';
    vm.startedAt = undefined;
    changed();
  });
  const configEndpoint = schema.match('POST', '/nodes/pve/qemu/100/config');
  const sim: SimContext = {
    version,
    cluster,
    faults,
    durations: durationsFor(options.profile ?? 'fast', options.timeScale ?? 1),
    storageLocks: new StorageLocks(options.storageLockSlots ?? 2),
    backend,
    tasks: new TaskRunner(state.tasks, changed),
    work: (ms) => sleep(Math.round(ms * faults.durationFactor)),
    changed,
    typeConfigValue: (key, value) => {
      if (configEndpoint.kind !== 'ok') return value;
      const type = findParamSchema(configEndpoint.endpoint, key)?.type;
      if ((type === 'integer' || type === 'number' || type === 'boolean') && /^-?\d+(\.\d+)?$/.test(value))
        return Number(value);
      return value;
    },
  };

  const credentials = new Credentials(options.tokens ?? [DEFAULT_SIM_TOKEN], options.users ?? {});
  const authFailureDelayMs = options.authFailureDelayMs ?? 3000;
  const violations: SchemaViolation[] = [];
  const calls = new Map<string, number>();
  const api = createApiHandler({
    sim,
    schema,
    credentials,
    routes: buildRoutes(createTicketHandler(credentials, authFailureDelayMs)),
    authFailureDelayMs,
    crossCheckVersions: options.crossCheckVersions ?? ['8.4', '9.1'],
    schemaDir: options.schemaDir,
    countCall: (endpoint) => calls.set(endpoint, (calls.get(endpoint) ?? 0) + 1),
    recordViolation: (violation) => {
      violations.push(violation);
      violationsInProcess.push(violation);
    },
  });
  const control = createControlHandler(
    faults,
    () => state,
    () => Object.fromEntries(calls),
  );

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const route =
      url.pathname.startsWith(`${API_PREFIX}/`) || url.pathname === API_PREFIX
        ? api
        : url.pathname.startsWith(CONTROL_PREFIX)
          ? control
          : undefined;
    if (!route) {
      res.writeHead(404, 'Not Found', { 'content-type': 'text/plain' });
      res.end('Not Found: the Proxmox VE API lives under /api2/json\n');
      return;
    }
    void route(req, res, url);
  };

  const host = options.host ?? '127.0.0.1';
  let server: Server;
  let certificate: Awaited<ReturnType<typeof createSimCertificate>> | undefined;
  if (options.tls) {
    certificate = await createSimCertificate([
      host === '0.0.0.0' || host === '::' ? 'localhost' : host,
      'localhost',
      '127.0.0.1',
    ]);
    server = createHttpsServer({ key: certificate.key, cert: certificate.cert }, listener);
  } else {
    server = createHttpServer(listener);
  }
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  if (certificate)
    for (const node of state.nodes) if (node.name === 'pve') node.sslFingerprint = certificate.fingerprint;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    port,
    fingerprint: certificate?.fingerprint,
    caPem: certificate?.caCert,
    version,
    faults,
    state,
    schemaViolations: violations,
    calls,
    settle: () => sim.tasks.settle(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sim.tasks.settle();
      await backend.close();
      if (saveTimer) clearTimeout(saveTimer);
      if (options.statePath) saveState(options.statePath, state);
    },
  };
}
