// What a step is given: the job, a fresh server row, its own memo, and the adapters it acts through.
import type { JobKind, ProgressDetails } from '@guildserver/contracts';
import type { GameDefinition } from '@guildserver/games';
import type { Limiter, ProxmoxClient } from '@guildserver/proxmox';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import type { ServerRow } from '../db/schema.js';
import type { JobParams } from '../domain/jobs.js';
import type { StepName } from '../domain/plans.js';
import type { GameHold } from './game/game-hold.js';
import type { GameProbe } from './game/game-probe.js';
import type { GameRunner } from './game/game-runner.js';
import type { StepRow } from './job-store.js';

/** Deadlines and poll intervals: production defaults, shortened by tests (never read from the environment). */
export interface RunnerOptions {
  /** First poll of a Proxmox task; grows ×1.5 up to taskMaxPollMs. */
  taskPollMs: number;
  taskMaxPollMs: number;
  /** Any task but a clone. */
  taskTimeoutMs: number;
  /** Default: PROXMOX_TIMEOUT_CLONE. */
  cloneTimeoutMs: number | undefined;
  /** Poll while a VM is locked by a clone we are waiting out. */
  lockPollMs: number;
  /** wait_network: until the guest agent reports an IPv4. Default: PROXMOX_TIMEOUT_AGENT. */
  networkTimeoutMs: number | undefined;
  networkPollMs: number;
  /** How long `No QEMU guest agent configured` counts as "not yet" right after configure. */
  agentGraceMs: number;
  /** Graceful shutdown deadline, then a hard stop. */
  shutdownTimeoutSeconds: number;
  gameSetupTimeoutMs: number;
  /** wait_game: until the game answers. Default: each game's `query.readyWithinSeconds`; when set, caps it. */
  gameReadyTimeoutMs: number | undefined;
  gamePollMs: number;
  /** publish_ports / unpublish_ports: how often to read whether the edge has applied the change. */
  edgePollMs: number;
  /** Storage lock time-outs around a clone, retried inside the step. */
  lockRetry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
}

export const DEFAULT_RUNNER_OPTIONS: RunnerOptions = {
  taskPollMs: 50,
  taskMaxPollMs: 2_000,
  taskTimeoutMs: 5 * 60_000,
  cloneTimeoutMs: undefined,
  lockPollMs: 500,
  networkTimeoutMs: undefined,
  networkPollMs: 200,
  agentGraceMs: 30_000,
  shutdownTimeoutSeconds: 60,
  gameSetupTimeoutMs: 30 * 60_000,
  gameReadyTimeoutMs: undefined,
  gamePollMs: 500,
  edgePollMs: 250,
  lockRetry: { attempts: 6, baseDelayMs: 1_000, maxDelayMs: 15_000 },
};

/** Told of each step as it succeeds (metrics, and the crash tests' kill points). */
export interface StepObserver {
  stepSucceeded?(jobId: string, step: StepName): void;
}

export interface RunnerDeps {
  db: Db;
  config: ApiConfig;
  proxmox: ProxmoxClient;
  limiter: Limiter;
  logger: Logger;
  gameRunner: GameRunner;
  gameProbe: GameProbe;
  /** Brings the game to a consistent world on disk before a backup, and lets it go after. */
  gameHold: GameHold;
  observer?: StepObserver;
}

/** What a step remembers across tries: its own fields, all optional until learned. */
export type Memo = object;

export interface StepContext<M extends Memo = Memo> {
  jobId: string;
  kind: JobKind;
  /** What the job was asked to do beyond its kind (the backup to restore…). */
  params: JobParams;
  step: StepRow;
  /** Read just before the step started. */
  server: ServerRow;
  game: GameDefinition;
  /** Where the server's VM lives. */
  node: string;
  deps: RunnerDeps;
  options: RunnerOptions;
  signal: AbortSignal;
  log: Logger;
  /** What this step learned on earlier tries. */
  memo: M;
  /** Merges into the memo and saves it at once, so a crash right after keeps it. */
  remember(patch: Partial<M>): void;
  /** What an earlier step of this job learned. */
  memoOf<Other extends Memo>(step: Step<Other>): Other;
  /** A `step.progress` event: a note for the live view, and what it adds besides. */
  progress(note: string, details?: ProgressDetails): void;
}

/**
 * What the Proxmox adapters (vm-adapter.ts, task-memo.ts) need of a step's context: the client, the deadlines,
 * the stop signal, and the step's memo and notes. An image build's steps (images/) have these too.
 */
export type VmTaskContext<M extends Memo = Memo> = Pick<
  StepContext<M>,
  'deps' | 'options' | 'signal' | 'memo' | 'remember' | 'progress'
>;

export interface StepOutcome {
  /** One short sentence for people. */
  detail: string;
}

/** One step of a plan: its name (as recorded in `job_steps`), what it does, and how its failures read. */
export interface Step<M extends Memo = Memo> {
  name: StepName;
  /** The code of a Proxmox failure (a failed task, a refusal) while this step runs. */
  failure: string;
  run(ctx: StepContext<M>): Promise<StepOutcome>;
}
