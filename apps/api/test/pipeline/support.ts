// Shared set-up of the pipeline tests: a simulator, a temp SQLite file, the suite's Redis under a unique queue
// prefix, the server service creating jobs, and a worker in this process (or none, for child-process tests).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateServerRequest, Job } from '@guildserver/contracts';
import {
  DEFAULT_SIM_TOKEN,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator,
} from '@guildserver/pve-sim';
import { asc, eq } from 'drizzle-orm';
import pino from 'pino';
import { inject } from 'vitest';
import { type ApiConfig, loadApiConfig } from '../../src/config.js';
import { events, ports, servers, vmIds } from '../../src/db/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import { type BackupService, createBackupService } from '../../src/domain/backup-service.js';
import { jobView } from '../../src/domain/jobs.js';
import { createServerService, type ServerService } from '../../src/domain/server-service.js';
import { currentImageFinder } from '../../src/images/image-lookup.js';
import type { RunnerOptions } from '../../src/pipeline/context.js';
import { loadGameSecrets } from '../../src/pipeline/game/game-secrets.js';
import { proxmoxBackupStore } from '../../src/runtime/backup-store.js';
import { openServices, type Services } from '../../src/runtime/services.js';
import { type RunningWorker, startWorker, type WorkerOptions } from '../../src/worker/start-worker.js';

export const REPO = join(import.meta.dirname, '..', '..', '..', '..');
export const ADMIN: Actor = { tokenId: 'tok_pipeline_test', scopes: ['admin'] };
export const GUILD = '111111111111111111';
export const OWNER = '222222222222222222';
export const CHANNEL = '333333333333333333';

/** Poll intervals and deadlines short enough for the simulator's fast profile. */
export const FAST_RUNNER: Partial<RunnerOptions> = {
  taskPollMs: 15,
  taskMaxPollMs: 60,
  lockPollMs: 20,
  networkPollMs: 20,
  networkTimeoutMs: 10_000,
  agentGraceMs: 2_000,
  shutdownTimeoutSeconds: 5,
  gameReadyTimeoutMs: 5_000,
  gamePollMs: 30,
  lockRetry: { attempts: 6, baseDelayMs: 20, maxDelayMs: 200 },
};

/** Fast stalled-job recovery, so a killed worker's job is picked up within a few seconds. */
export const FAST_LOCKS = { lockDurationMs: 2_000, stalledIntervalMs: 700 } as const;

/** A well-formed (but unusable) ed25519 public key. */
function testSshKey(): string {
  const type = Buffer.from('ssh-ed25519');
  const blob = Buffer.alloc(4 + type.length + 4 + 32, 7);
  blob.writeUInt32BE(type.length, 0);
  type.copy(blob, 4);
  blob.writeUInt32BE(32, 4 + type.length);
  return `ssh-ed25519 ${blob.toString('base64')} ops@guildserver`;
}
export const TEST_SSH_KEY = testSshKey();

export const uniquePrefix = (what: string) => `gs-test-${what}-${randomBytes(4).toString('hex')}`;

/** The environment a worker (in this process or a child) is configured from. */
export function testEnv(
  sim: { url: string },
  dir: string,
  prefix: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PROXMOX_HOST: sim.url,
    PROXMOX_NODE: 'pve',
    PROXMOX_TOKEN_ID: DEFAULT_SIM_TOKEN.id,
    PROXMOX_TOKEN_SECRET: DEFAULT_SIM_TOKEN.secret,
    PROXMOX_SSH_PUBLIC_KEY: TEST_SSH_KEY,
    GAME_RUNNER: 'simulated',
    GAME_LICENSES_ACCEPTED: 'minecraft-eula,steam',
    DATABASE_PATH: join(dir, 'guildserver.sqlite'),
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: prefix,
    WORKER_CONCURRENCY: '8',
    LOG_LEVEL: 'warn',
    QUOTA_USER_SERVERS: '1000',
    QUOTA_USER_CORES: '100000',
    QUOTA_USER_MEMORY: '100000000',
    QUOTA_GUILD_SERVERS: '1000',
    QUOTA_GUILD_CORES: '100000',
    QUOTA_GUILD_MEMORY: '100000000',
    ...extra,
  };
}

export function testConfig(env: Record<string, string>): ApiConfig {
  return loadApiConfig(env);
}

export function createRequest(name: string, game = 'minecraft-java'): CreateServerRequest {
  return { game, name, guildId: GUILD, ownerId: OWNER, channelId: CHANNEL };
}

export interface StackOptions {
  sim?: SimulatorOptions;
  env?: Record<string, string>;
  /** false: no worker in this process. */
  worker?: WorkerOptions | false;
  /** BullMQ attempts and fixed back-off of the jobs the test enqueues. */
  attempts?: number;
  backoffMs?: number;
  prefix?: string;
}

export interface Stack {
  sim: RunningSimulator;
  dir: string;
  env: Record<string, string>;
  config: ApiConfig;
  services: Services;
  service: ServerService;
  backups: BackupService;
  worker: RunningWorker | undefined;
  startWorker(options?: WorkerOptions): Promise<RunningWorker>;
  waitForJob(jobId: string, timeoutMs?: number): Promise<Job>;
  eventsOf(serverId: string): (typeof events.$inferSelect)[];
  portsOf(serverId: string): number;
  vmidsOf(serverId: string): number[];
  server(serverId: string): typeof servers.$inferSelect;
  /** VMs in the simulator carrying this server's tag or marker. */
  vmsOf(serverId: string): RunningSimulator['state']['vms'];
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'gs-pipeline-'));
  const sim = await startSimulator({ profile: 'fast', authFailureDelayMs: 10, ...options.sim });
  const prefix = options.prefix ?? uniquePrefix('pipe');
  const env = testEnv(sim, dir, prefix, options.env);
  const config = testConfig(env);
  const services = await openServices(config, pino({ level: 'silent' }));
  const attempts = options.attempts ?? 5;
  const backoffMs = options.backoffMs ?? 100;
  const enqueue = async (jobId: string) => {
    await services.queue.queue.add(
      'run',
      { jobId },
      { jobId, attempts, backoff: { type: 'fixed', delay: backoffMs } },
    );
  };
  const service = createServerService(services.db, config, {
    checkVmidFree: async (vmid) => {
      await services.proxmox.cluster.nextId(vmid);
    },
    enqueue,
    currentImage: currentImageFinder({ ...services, logger: pino({ level: 'silent' }) }),
    settingPassword: (serverId, key) => loadGameSecrets(config).settingPassword(serverId, key),
  });
  const workers: RunningWorker[] = [];
  const start = async (workerOptions: WorkerOptions = {}) => {
    const worker = await startWorker(services, { runner: FAST_RUNNER, ...FAST_LOCKS, ...workerOptions });
    workers.push(worker);
    return worker;
  };
  const worker = options.worker === false ? undefined : await start(options.worker ?? {});
  const { db } = services;

  return {
    sim,
    dir,
    env,
    config,
    services,
    service,
    backups: createBackupService(service.deps, proxmoxBackupStore(services.proxmox, config.backups.storage)),
    worker,
    startWorker: start,
    async waitForJob(jobId, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = jobView(db, jobId);
        if (job && (job.state === 'succeeded' || job.state === 'failed')) return job;
        if (Date.now() > deadline)
          throw new Error(
            `job ${jobId} still ${job?.state} after ${timeoutMs} ms: ${JSON.stringify(job?.steps.map((s) => [s.name, s.state, s.error]))}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    eventsOf: (serverId) =>
      db.select().from(events).where(eq(events.serverId, serverId)).orderBy(asc(events.id)).all(),
    portsOf: (serverId) => db.select().from(ports).where(eq(ports.serverId, serverId)).all().length,
    vmidsOf: (serverId) =>
      db
        .select()
        .from(vmIds)
        .where(eq(vmIds.serverId, serverId))
        .all()
        .map((r) => r.vmid),
    server: (serverId) => db.select().from(servers).where(eq(servers.id, serverId)).get()!,
    vmsOf: (serverId) =>
      sim.state.vms.filter(
        (vm) =>
          (vm.config.tags ?? '').split(/[;, ]/).includes(`gs-${serverId}`) ||
          (vm.config.description ?? '').includes(`guildserver:${serverId}`),
      ),
    async close() {
      for (const w of workers) await w.close();
      await services.queue.queue.obliterate({ force: true }).catch(() => {});
      await services.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Event types of a server, in order, with the step named where there is one. */
export function eventTrail(list: { type: string; data: string }[]): string[] {
  return list.map((e) => {
    const data = JSON.parse(e.data) as { step?: string };
    return data.step && e.type.startsWith('step.') ? `${e.type}:${data.step}` : e.type;
  });
}

export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
