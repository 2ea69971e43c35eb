// 100 parallel provisions (clone → configure → start) through the client, once with the node/storage
// limiter and once with it unbounded, against a simulator whose storage admits two clones at a time.
import {
  AlreadyExistsError,
  createLimiter,
  createProxmoxClient,
  decodeTags,
  isProxmoxError,
  type Limiter,
  type LockRetryOptions,
  LockTimeoutError,
  type ProxmoxClient,
  type VmRef,
  type WaitForTaskOptions,
  withLockRetry,
} from '@guildserver/proxmox';
import { DEFAULT_SIM_TOKEN } from '@guildserver/pve-sim';
import type { Benchmark } from './benchmark';
import { percentile, printJsonLine, printTable } from './report';
import { type SimExit, spawnSimulator } from './sim-process';

const PROVISIONS = 100;
/** Our VM id range starts here; a few ids in it are taken beforehand by VMs that are not ours. */
const FIRST_ID = 10_000;
const FOREIGN_IDS = [10_003, 10_004, 10_050];
const TEMPLATE: VmRef = { node: 'pve', vmid: 9000 };
const STORAGE = 'local-lvm';
/** fast profile × 5: linked clone 300 ms, storage lock wait 150 ms, config 50 ms, start 200 ms. */
const TIME_SCALE = 5;
const STORAGE_LOCK_SLOTS = 2;
const LIMITS = { perNode: 4, perStorage: 2 };
const POLL: WaitForTaskOptions = { intervalMs: 50, maxIntervalMs: 200, timeoutMs: 120_000 };
/** withLockRetry's defaults, spelled out: 5 tries, back-off from 1 s up to 15 s with jitter. */
const LOCK_RETRY: LockRetryOptions = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 15_000 };

type Mode = 'limited' | 'unbounded';

interface Counters {
  lockTimeouts: number;
  /** Of those, how many ended the clone task (as opposed to failing the POST itself). */
  lockTimeoutsInTask: number;
  lockRetries: number;
  /** Ids in our range that nextId reported taken, so we moved on. */
  idsSkipped: number;
  /** Clones refused with already_exists after nextId had said the id was free. Must be 0. */
  idCollisions: number;
  clonesInFlight: number;
  peakClonesInFlight: number;
}

interface RunFigures {
  mode: Mode;
  wallMs: number;
  succeeded: number;
  failed: number;
  failures: Record<string, number>;
  provisionMs: { p50: number; p99: number; max: number };
  counters: Counters;
  verification: {
    ourVms: number;
    uniqueIds: number;
    running: number;
    uniqueServerTags: number;
    foreignUntouched: boolean;
    ok: boolean;
  };
  simSchemaViolations: number;
}

function createIdAllocator(client: ProxmoxClient, counters: Counters): () => Promise<number> {
  let next = FIRST_ID;
  return async () => {
    for (;;) {
      // Taken synchronously, so concurrent provisions never try the same candidate.
      const candidate = next++;
      try {
        return await client.cluster.nextId(candidate);
      } catch (error) {
        if (!(error instanceof AlreadyExistsError)) throw error;
        counters.idsSkipped++;
      }
    }
  };
}

async function provision(
  index: number,
  client: ProxmoxClient,
  limiter: Limiter,
  allocateId: () => Promise<number>,
  counters: Counters,
): Promise<void> {
  const cloneOnce = async (vmid: number) => {
    counters.clonesInFlight++;
    counters.peakClonesInFlight = Math.max(counters.peakClonesInFlight, counters.clonesInFlight);
    try {
      const upid = await client.qemu.clone(TEMPLATE, { newid: vmid, name: `gs-${index}` });
      await client.waitForTask(upid, POLL);
    } catch (error) {
      if (error instanceof LockTimeoutError) {
        counters.lockTimeouts++;
        if (error.task) counters.lockTimeoutsInTask++;
      }
      throw error;
    } finally {
      counters.clonesInFlight--;
    }
  };

  let vmid = await allocateId();
  for (;;) {
    try {
      await limiter.run({ node: TEMPLATE.node, storage: STORAGE }, () =>
        withLockRetry(() => cloneOnce(vmid), {
          ...LOCK_RETRY,
          onRetry: () => {
            counters.lockRetries++;
          },
        }),
      );
      break;
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      counters.idCollisions++;
      vmid = await allocateId();
    }
  }

  const vm: VmRef = { node: TEMPLATE.node, vmid };
  const configTask = await client.qemu.updateConfigAsync(vm, {
    cores: 2,
    memory: 2048,
    tags: ['guildserver', `gs-${index}`],
  });
  if (configTask) await client.waitForTask(configTask, POLL);
  await client.waitForTask(await client.power.start(vm), POLL);
}

async function runOnce(mode: Mode): Promise<RunFigures> {
  const sim = await spawnSimulator({
    profile: 'fast',
    timeScale: TIME_SCALE,
    storageLockSlots: STORAGE_LOCK_SLOTS,
    authFailureDelayMs: 0,
  });
  const client = createProxmoxClient({
    baseUrl: sim.url,
    auth: { kind: 'token', tokenId: DEFAULT_SIM_TOKEN.id, secret: DEFAULT_SIM_TOKEN.secret },
  });
  let measured: Omit<RunFigures, 'simSchemaViolations'>;
  let exit: SimExit;
  try {
    measured = await provisionAll(mode, client);
  } finally {
    await client.close();
    exit = await sim.stop();
  }
  return { ...measured, simSchemaViolations: exit.schemaViolations };
}

async function provisionAll(
  mode: Mode,
  client: ProxmoxClient,
): Promise<Omit<RunFigures, 'simSchemaViolations'>> {
  // Someone else's VMs inside our range, made one at a time before the clock starts.
  for (const vmid of FOREIGN_IDS) {
    await client.waitForTask(
      await client.qemu.clone(TEMPLATE, { newid: vmid, name: `foreign-${vmid}` }),
      POLL,
    );
  }

  const counters: Counters = {
    lockTimeouts: 0,
    lockTimeoutsInTask: 0,
    lockRetries: 0,
    idsSkipped: 0,
    idCollisions: 0,
    clonesInFlight: 0,
    peakClonesInFlight: 0,
  };
  const limiter =
    mode === 'limited'
      ? createLimiter(LIMITS)
      : createLimiter({ perNode: Number.POSITIVE_INFINITY, perStorage: Number.POSITIVE_INFINITY });
  const allocateId = createIdAllocator(client, counters);

  const durations: number[] = [];
  const started = performance.now();
  const outcomes = await Promise.allSettled(
    Array.from({ length: PROVISIONS }, async (_, index) => {
      const begun = performance.now();
      await provision(index, client, limiter, allocateId, counters);
      durations.push(performance.now() - begun);
    }),
  );
  const wallMs = performance.now() - started;

  const failures: Record<string, number> = {};
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') continue;
    const code = isProxmoxError(outcome.reason) ? outcome.reason.code : 'other';
    failures[code] = (failures[code] ?? 0) + 1;
  }

  const resources = await client.cluster.resources('vm');
  const ours = resources.filter((r) => decodeTags(r.tags).includes('guildserver'));
  const serverTags = new Set(ours.flatMap((r) => decodeTags(r.tags).filter((t) => t.startsWith('gs-'))));
  const foreignUntouched = FOREIGN_IDS.every((vmid) =>
    resources.some((r) => r.vmid === vmid && !decodeTags(r.tags).includes('guildserver')),
  );
  const verification = {
    ourVms: ours.length,
    uniqueIds: new Set(ours.map((r) => r.vmid)).size,
    running: ours.filter((r) => r.status === 'running').length,
    uniqueServerTags: serverTags.size,
    foreignUntouched,
    ok: false,
  };
  verification.ok =
    verification.ourVms === PROVISIONS &&
    verification.uniqueIds === PROVISIONS &&
    verification.running === PROVISIONS &&
    verification.uniqueServerTags === PROVISIONS &&
    foreignUntouched;

  return {
    mode,
    wallMs,
    succeeded: durations.length,
    failed: PROVISIONS - durations.length,
    failures,
    provisionMs: {
      p50: percentile(durations, 50),
      p99: percentile(durations, 99),
      max: percentile(durations, 100),
    },
    counters,
    verification,
  };
}

export const parallelProvision: Benchmark = {
  name: 'parallel-provision',
  summary: `${PROVISIONS} parallel clone+configure+start, with the limiter (${LIMITS.perStorage}/storage, ${LIMITS.perNode}/node) and unbounded`,
  async run() {
    const runs: RunFigures[] = [];
    for (const mode of ['limited', 'unbounded'] as const) runs.push(await runOnce(mode));

    console.log(
      `\nSimulator: fast profile × ${TIME_SCALE} (linked clone ${60 * TIME_SCALE} ms, storage lock wait ${30 * TIME_SCALE} ms), ` +
        `${STORAGE_LOCK_SLOTS} lock slots on ${STORAGE}; lock retry: ${LOCK_RETRY.attempts} tries, ` +
        `back-off ${LOCK_RETRY.baseDelayMs} ms → ${LOCK_RETRY.maxDelayMs} ms; task polling ${POLL.intervalMs} → ${POLL.maxIntervalMs} ms`,
    );
    printTable(
      `${PROVISIONS} parallel provisions`,
      runs.map((r) => ({
        limiter: r.mode === 'limited' ? `${LIMITS.perStorage}/storage ${LIMITS.perNode}/node` : 'unbounded',
        'wall s': r.wallMs / 1000,
        succeeded: r.succeeded,
        failed: r.failed,
        'peak clones': r.counters.peakClonesInFlight,
        'lock time-outs': r.counters.lockTimeouts,
        retried: r.counters.lockRetries,
        'id collisions': r.counters.idCollisions,
        'ids skipped': r.counters.idsSkipped,
        'p50 s': r.provisionMs.p50 / 1000,
        'p99 s': r.provisionMs.p99 / 1000,
      })),
    );
    printTable(
      'Verification via GET /cluster/resources?type=vm',
      runs.map((r) => ({
        limiter: r.mode,
        'our VMs': r.verification.ourVms,
        'unique ids': r.verification.uniqueIds,
        running: r.verification.running,
        'unique gs- tags': r.verification.uniqueServerTags,
        'foreign VMs untouched': r.verification.foreignUntouched ? 'yes' : 'NO',
        'failures by code':
          Object.entries(r.failures)
            .map(([code, n]) => `${code}×${n}`)
            .join(' ') || '-',
        'exactly 100': r.verification.ok ? 'yes' : 'NO',
      })),
    );
    printJsonLine('parallel-provision', {
      provisions: PROVISIONS,
      timeScale: TIME_SCALE,
      storageLockSlots: STORAGE_LOCK_SLOTS,
      limits: LIMITS,
      lockRetry: {
        attempts: LOCK_RETRY.attempts,
        baseDelayMs: LOCK_RETRY.baseDelayMs,
        maxDelayMs: LOCK_RETRY.maxDelayMs,
      },
      runs: runs.map((r) => ({
        mode: r.mode,
        wallMs: Math.round(r.wallMs),
        succeeded: r.succeeded,
        failed: r.failed,
        failures: r.failures,
        provisionMs: {
          p50: Math.round(r.provisionMs.p50),
          p99: Math.round(r.provisionMs.p99),
          max: Math.round(r.provisionMs.max),
        },
        lockTimeouts: r.counters.lockTimeouts,
        lockTimeoutsInTask: r.counters.lockTimeoutsInTask,
        lockRetries: r.counters.lockRetries,
        idCollisions: r.counters.idCollisions,
        idsSkipped: r.counters.idsSkipped,
        peakClonesInFlight: r.counters.peakClonesInFlight,
        verification: r.verification,
        simSchemaViolations: r.simSchemaViolations,
      })),
    });
  },
};
