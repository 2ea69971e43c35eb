// The worker: a BullMQ Worker on the job queue running each `{jobId}` through the job runner, with stalled-job
// recovery (a worker killed mid-job loses its lock, another picks the job up and its steps resume), and the
// recovery sweep that re-enqueues jobs Redis lost.
import { setMaxListeners } from 'node:events';
import { type Job, Worker } from 'bullmq';
import { createBackupService } from '../domain/backup-service.js';
import { parseJobParams } from '../domain/jobs.js';
import { createScheduleService } from '../domain/schedule-service.js';
import { createImageBuildService } from '../images/image-build-service.js';
import { unfinishedBuildIds } from '../images/image-build-store.js';
import { refreshImages } from '../images/image-refresh.js';
import { monitorPlayers } from '../monitor/player-monitor.js';
import type { RunnerDeps, RunnerOptions, StepObserver } from '../pipeline/context.js';
import { createAnsibleRunner } from '../pipeline/game/ansible-runner.js';
import { createGameHold, createSimulatedGameHold, type GameHold } from '../pipeline/game/game-hold.js';
import {
  createQueryGameProbe,
  createSimulatedGameProbe,
  type GameProbe,
} from '../pipeline/game/game-probe.js';
import { createSimulatedGameRunner, type GameRunner } from '../pipeline/game/game-runner.js';
import { type GameSecrets, loadGameSecrets } from '../pipeline/game/game-secrets.js';
import { playbookVarsOptions } from '../pipeline/game/playbook-vars.js';
import { findServer, isTerminal, readJob, unfinishedJobIds } from '../pipeline/job-store.js';
import { createJobRunner, type RunResult } from '../pipeline/runner.js';
import { QUEUE_NAME, type QueuedJob } from '../queue/job-queue.js';
import { proxmoxBackupStore } from '../runtime/backup-store.js';
import type { Services } from '../runtime/services.js';
import { runHeld } from './held-run.js';
import { startImageWorker } from './image-worker.js';
import { sweepLostJobs } from './recovery-sweep.js';
import { startScheduleWorker } from './schedule-worker.js';

export interface WorkerOptions {
  /** Deadlines and poll intervals of the steps (tests shorten them). */
  runner?: Partial<RunnerOptions>;
  /** How long a job stays ours without renewal; a killed worker's jobs are picked up after this. Default 30 s. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for. Default 15 s. */
  stalledIntervalMs?: number;
  /** Stalls (worker deaths) a job survives before BullMQ gives up; the sweep then gives it a final run. Default 10. */
  maxStalledCount?: number;
  /** Default 30 s. */
  sweepIntervalMs?: number;
  /** Default: from GAME_RUNNER (`ansible`: the playbooks and the games' own queries; `simulated`: stand-ins). */
  gameRunner?: GameRunner;
  gameProbe?: GameProbe;
  gameHold?: GameHold;
  observer?: StepObserver;
}

export interface RunningWorker {
  close(): Promise<void>;
}

export async function startWorker(services: Services, options: WorkerOptions = {}): Promise<RunningWorker> {
  const { config, db } = services;
  const logger = services.logger.child({ component: 'worker' });
  const lockDuration = options.lockDurationMs ?? 30_000;
  const real = config.gameRunner === 'ansible';
  // Only the real runner and probe use game secrets (GAME_SECRETS_KEY, or a key file made in the data dir).
  let secrets: GameSecrets | undefined;
  const gameSecrets = () => {
    secrets ??= loadGameSecrets(config);
    return secrets;
  };
  const gameRunner =
    options.gameRunner ??
    (real
      ? createAnsibleRunner({
          ...playbookVarsOptions(config, gameSecrets()),
          timeoutMs: options.runner?.gameSetupTimeoutMs,
        })
      : createSimulatedGameRunner());
  const gameHold =
    options.gameHold ??
    (real ? createGameHold({ runner: gameRunner, secrets: gameSecrets }) : createSimulatedGameHold());
  const runnerDeps: RunnerDeps = {
    db,
    config,
    proxmox: services.proxmox,
    limiter: services.limiter,
    logger,
    gameRunner,
    gameHold,
    gameProbe:
      options.gameProbe ??
      (real
        ? createQueryGameProbe({
            secrets: gameSecrets(),
            // Luanti's announces (POST /v1/serverlist/announce) store its count on the server row.
            reportedPlayers: (serverId) => {
              const row = findServer(db, serverId);
              return row && row.playersOnline !== null && row.playersMax !== null
                ? { online: row.playersOnline, max: row.playersMax }
                : undefined;
            },
          })
        : createSimulatedGameProbe()),
    ...(options.observer ? { observer: options.observer } : {}),
  };
  const runner = createJobRunner(runnerDeps, options.runner);
  const stopping = new AbortController();
  // Every running job listens for the stop (through its own signal below).
  setMaxListeners(config.workerConcurrency + 10, stopping.signal);

  const processJob = async (job: Job<QueuedJob>, token?: string): Promise<RunResult> => {
    const result = await runHeld(
      job,
      token,
      { stopping: stopping.signal, lockDurationMs: lockDuration },
      (attempt) => runner.run(job.data.jobId, attempt),
    );
    // A create that took a pool VM is over (it took the VM over, or it failed and left it claimed): the pool's
    // upkeep refills it, and removes a VM left claimed. Asked for only now, so it never slows that create.
    const ended = readJob(db, job.data.jobId);
    if (ended && isTerminal(ended.state) && ended.kind === 'create' && parseJobParams(ended.params).pool)
      await services.images
        .enqueuePoolUpkeep()
        .catch((error: unknown) =>
          logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'pool upkeep not queued',
          ),
        );
    return result;
  };

  const worker = new Worker<QueuedJob, RunResult>(QUEUE_NAME, processJob, {
    connection: services.connect(),
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    lockDuration,
    stalledInterval: options.stalledIntervalMs ?? 15_000,
    maxStalledCount: options.maxStalledCount ?? 10,
    autorun: false,
  });
  worker.on('failed', (job, error) =>
    logger.warn(
      { jobId: job?.data.jobId, attemptsMade: job?.attemptsMade, err: error.message },
      'job run ended early; BullMQ retries it',
    ),
  );
  worker.on('stalled', (jobId) =>
    logger.warn({ jobId }, 'job stalled (its worker died?); it resumes elsewhere'),
  );
  worker.on('error', (error) => logger.error({ err: error.message }, 'worker error'));
  const imageWorker = startImageWorker(
    services,
    runnerDeps,
    {
      ...(options.runner ? { runner: options.runner } : {}),
      lockDurationMs: lockDuration,
      stalledIntervalMs: options.stalledIntervalMs ?? 15_000,
      maxStalledCount: options.maxStalledCount ?? 10,
      stopping: stopping.signal,
    },
    logger.child({ component: 'images' }),
  );

  let sweeping: Promise<unknown> | undefined;
  const sweep = () => {
    sweeping ??= Promise.all([
      sweepLostJobs(unfinishedJobIds(db), services.queue.queue, services.queue.enqueue, logger),
      sweepLostJobs(unfinishedBuildIds(db), services.images.queue, services.images.enqueue, logger),
    ])
      .catch((error: unknown) =>
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'recovery sweep failed; trying again later',
        ),
      )
      .finally(() => {
        sweeping = undefined;
      });
    return sweeping;
  };
  const jobs = { db, outside: { enqueue: services.queue.enqueue }, config };
  const scheduleService = createScheduleService(db, services.schedules, config.monitor.idleAfterMs);
  const imageBuilds = createImageBuildService({
    db,
    config,
    proxmox: services.proxmox,
    logger,
    enqueue: services.images.enqueue,
  });
  const backups = createBackupService(
    { ...jobs, config },
    proxmoxBackupStore(services.proxmox, config.backups.storage),
  );
  const schedules = await startScheduleWorker(
    services,
    {
      jobs,
      db,
      backups,
      housekeeping: {
        'backup-expiry': () => backups.expireAutomatic(),
        'image-refresh': () =>
          refreshImages({
            db,
            proxmox: services.proxmox,
            config,
            rebuildDays: config.imageRebuildDays,
            builds: imageBuilds,
          }),
        'pool-upkeep': async () => {
          await services.images.enqueuePoolUpkeep();
          return 'pool upkeep queued';
        },
        'player-monitor': () =>
          monitorPlayers({ db, probe: runnerDeps.gameProbe, monitor: config.monitor, jobs }),
      },
      gameHold,
      registry: services.schedules,
      logger,
      schedules: scheduleService,
      queue: services.schedules,
    },
    logger.child({ component: 'schedules' }),
  );
  const checkSchedules = () =>
    schedules
      .check()
      .catch((error: unknown) =>
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'schedule check failed'),
      );
  await sweep();
  // The pool is looked after from the start (a worker that was down may find it short).
  if (config.warmPool.sizes.size > 0) await services.images.enqueuePoolUpkeep();
  const timer = setInterval(() => {
    void sweep();
    void checkSchedules();
  }, options.sweepIntervalMs ?? 30_000);
  timer.unref();

  for (const running of [worker, imageWorker])
    void running
      .run()
      .catch((error: unknown) =>
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'worker stopped'),
      );
  await Promise.all([worker.waitUntilReady(), imageWorker.waitUntilReady()]);
  logger.info(
    { concurrency: config.workerConcurrency, prefix: config.queuePrefix, gameRunner: config.gameRunner },
    'worker started',
  );

  return {
    close: async () => {
      clearInterval(timer);
      stopping.abort(new Error('The worker is stopping.'));
      await Promise.all([worker.close(), imageWorker.close()]);
      await schedules.close();
      await sweeping;
    },
  };
}
