// The real game runner: a thin wrapper around `ansible-playbook`. Each run gets its own inventory (the VM's
// IPv4) and extra-vars file (passed as `@file`, mode 600 in a private temp dir removed afterwards, so nothing
// sensitive — the RCON password — ever appears on a command line or stays on disk), runs
// `ansible/playbooks/<game>.yml` under a deadline, streams task names as progress, and on failure reports the
// failing task and its message in one sentence while the full output is kept on the job.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type GameDefinition, type LicenceId, unacceptedLicences } from '@guildserver/games';
import { pollUntil } from '@guildserver/timing';
import { VM_USER } from '../vm-spec.js';
import { REPO_ANSIBLE_DIR } from './ansible-dir.js';
import {
  type GameRunner,
  type GameServiceRequest,
  GameSetupError,
  type GameSetupRequest,
  type ImageVmRequest,
} from './game-runner.js';
import type { GameSecrets } from './game-secrets.js';
import { acceptedLicenceVars, playbookHosts, playbookVars } from './playbook-vars.js';

export interface AnsibleRunnerOptions {
  /** The folder holding ansible.cfg and playbooks/. Default: `ansible/` at the repository root. */
  ansibleDir?: string;
  /** Default `ansible-playbook` (from PATH). */
  command?: string;
  /** Default 30 min. */
  timeoutMs?: number;
  /** The account cloud-init made in the VM. */
  user?: string;
  /** Passed to the playbook, so it can print how players connect. */
  hostExternal?: string;
  /** GAME_REPORTS_URL: passed as `guildserver_serverlist_url` (Luanti announces itself there). */
  gameReportsUrl?: string;
  /** For the per-server secrets games need (RCON password, generated join and admin passwords). */
  secrets?: GameSecrets;
  /** GAME_LICENSES_ACCEPTED: games needing another licence are refused before anything runs. */
  licencesAccepted?: ReadonlySet<LicenceId>;
  /** How long a fresh VM may refuse SSH (still booting) before the setup fails. Default 5 min. */
  sshReadyTimeoutMs?: number;
}

const MAX_LOG_CHARS = 256_000;
/** What the child may see of our environment: never our own secrets (Proxmox token, Redis URL…). */
const PASSED_ENV = /^(PATH|HOME|USER|LANG|LC_[A-Z]+|TMPDIR|SSH_AUTH_SOCK|ANSIBLE_[A-Z0-9_]+)$/;

export interface AnsibleFailure {
  task: string | undefined;
  message: string;
  /** SSH could not reach the host (Ansible's UNREACHABLE), as opposed to a task that failed. */
  unreachable: boolean;
}

/** The playbook never reached the VM over SSH. */
class UnreachableError extends GameSetupError {}

const SSH_RETRY_MS = 5_000;
/** Stops or starts `guildserver-<game>` (a backup's hold for games that cannot be told to save). */
const GAME_SERVICE_PLAYBOOK = 'playbooks/game-service.yml';
/** Seals an installed VM into a game image. */
const SEAL_PLAYBOOK = 'playbooks/seal.yml';
const SETTLE_PLAYBOOK = 'playbooks/settle.yml';

/** Reads ansible-playbook's default (or yaml-formatted) output line by line. */
export class AnsibleOutputReader {
  task: string | undefined;
  tasks = 0;
  failure: AnsibleFailure | undefined;
  private awaitingMsg = false;
  private awaitingBlock = false;

  /** Returns the task name when the line starts a new task. */
  line(text: string): string | undefined {
    const task = /^TASK \[(.+?)\]\s*\**\s*$/.exec(text);
    if (task) {
      this.task = task[1]!;
      this.tasks++;
      this.awaitingMsg = false;
      return this.task;
    }
    const fatal = /^fatal: \[[^\]]+\]: (FAILED|UNREACHABLE)! => ?(.*)$/.exec(text);
    if (fatal) {
      const rest = fatal[2]!.trim();
      const fromJson = jsonMessage(rest);
      this.failure ??= {
        task: this.task,
        unreachable: fatal[1] === 'UNREACHABLE',
        message:
          fromJson ??
          (fatal[1] === 'UNREACHABLE' ? 'the VM could not be reached over SSH' : 'the task failed'),
      };
      this.awaitingMsg = fromJson === undefined;
      return undefined;
    }
    if (this.awaitingBlock) {
      // The first line of a `msg: |-` block scalar.
      this.awaitingBlock = false;
      if (this.failure && /^\s+\S/.test(text)) this.failure.message = text.trim();
      return undefined;
    }
    if (this.awaitingMsg) {
      const msg = /^\s+msg:\s*(.*)$/.exec(text);
      if (msg && this.failure) {
        const value = msg[1]!.trim();
        if (/^[|>][-+]?$/.test(value)) this.awaitingBlock = true;
        else this.failure.message = unquote(value) || this.failure.message;
        this.awaitingMsg = false;
      } else if (!/^\s/.test(text)) {
        this.awaitingMsg = false;
      }
    }
    return undefined;
  }
}

function jsonMessage(text: string): string | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(text) as { msg?: unknown; stderr?: unknown };
    const msg = typeof parsed.msg === 'string' && parsed.msg.trim() !== '' ? parsed.msg : parsed.stderr;
    return typeof msg === 'string' && msg.trim() !== '' ? msg.trim().split('\n')[0] : undefined;
  } catch {
    return undefined;
  }
}

function unquote(text: string): string {
  return /^'.*'$|^".*"$/.test(text) ? text.slice(1, -1) : text;
}

export function createAnsibleRunner(options: AnsibleRunnerOptions = {}): GameRunner {
  const ansibleDir = options.ansibleDir ?? REPO_ANSIBLE_DIR;
  const command = options.command ?? 'ansible-playbook';
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const user = options.user ?? VM_USER;

  return {
    kind: 'ansible',
    async setup(request: GameSetupRequest) {
      const { game } = request;
      const playbook = requirePlaybook(game);
      requireLicences(game);
      const configureOnly = request.part === 'configure';
      return runInTempDir(
        request,
        playbook,
        playbookVars(request, options),
        {
          doing: configureOnly ? `Configuring ${game.name}` : `Installing ${game.name}`,
          done: (tasks) =>
            configureOnly
              ? `Configured ${game.name}, installed in its game image, with ${relative(ansibleDir, playbook)} --tags configure (${tasks} tasks).`
              : `Installed ${game.name} with ${relative(ansibleDir, playbook)} (${tasks} tasks).`,
        },
        configureOnly ? ['--tags', 'configure'] : [],
      );
    },

    async install(request: ImageVmRequest) {
      const { game } = request;
      const playbook = requirePlaybook(game);
      requireLicences(game);
      return runInTempDir(
        request,
        playbook,
        { guildserver_game: game.id, ...acceptedLicenceVars(game, options.licencesAccepted ?? new Set()) },
        {
          doing: `Installing ${game.name} for its image`,
          done: (tasks) =>
            `Installed ${game.name} with ${relative(ansibleDir, playbook)} --tags install (${tasks} tasks).`,
        },
        ['--tags', 'install'],
      );
    },

    async seal(request: ImageVmRequest) {
      const { game } = request;
      return runInTempDir(
        request,
        join(ansibleDir, SEAL_PLAYBOOK),
        { guildserver_game: game.id },
        {
          doing: `Sealing ${game.name}'s image VM`,
          done: (tasks) => `Sealed with ${SEAL_PLAYBOOK} (${tasks} tasks).`,
        },
      );
    },

    async settle(request: ImageVmRequest) {
      const { game } = request;
      return runInTempDir(
        request,
        join(ansibleDir, SETTLE_PLAYBOOK),
        { guildserver_game: game.id },
        {
          doing: 'Waiting for the first boot to finish',
          done: (tasks) => `First boot finished (${SETTLE_PLAYBOOK}, ${tasks} tasks).`,
        },
      );
    },

    async service(request: GameServiceRequest) {
      const { game, action } = request;
      const playbook = join(ansibleDir, GAME_SERVICE_PLAYBOOK);
      const vars = {
        guildserver_game: game.id,
        game_service_state: action === 'stop' ? 'stopped' : 'started',
      };
      const doing = `${action === 'stop' ? 'Stopping' : 'Starting'} ${game.name}'s service`;
      const { detail } = await runInTempDir(request, playbook, vars, {
        doing,
        done: () =>
          `${action === 'stop' ? 'Stopped' : 'Started'} ${game.name}'s service (${GAME_SERVICE_PLAYBOOK}).`,
      });
      return detail;
    },
  };

  function requirePlaybook(game: GameDefinition): string {
    const playbook = join(ansibleDir, game.playbook);
    if (!existsSync(playbook)) {
      throw new GameSetupError(
        `There is no Ansible playbook for ${game.name} yet (ansible/${game.playbook}); the game installs arrive with the playbooks, until then run with GAME_RUNNER=simulated.`,
      );
    }
    return playbook;
  }

  function requireLicences(game: GameDefinition): void {
    const unaccepted = unacceptedLicences(game, options.licencesAccepted ?? new Set());
    if (unaccepted.length > 0) {
      throw new GameSetupError(
        `${game.name} was not installed: ${unaccepted.map((l) => l.name).join(' and ')} must be accepted by the admin first (add ${unaccepted.map((l) => l.id).join(',')} to GAME_LICENSES_ACCEPTED, then retry).`,
      );
    }
  }

  /** One playbook run against the VM, with its own inventory and vars file, retried while SSH still refuses. */
  async function runInTempDir(
    request: PlaybookRequest,
    playbook: string,
    extraVars: unknown,
    words: Pick<PlaybookRun, 'doing' | 'done'>,
    extraArgs: readonly string[] = [],
  ): Promise<{ detail: string; log: string }> {
    const { game, ipv4 } = request;
    const dir = await mkdtemp(join(tmpdir(), 'gs-ansible-'));
    try {
      const inventory = join(dir, 'inventory.ini');
      const ssh = `-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${join(dir, 'known_hosts')}`;
      await writeFile(
        inventory,
        // The group the game's playbook targets (its `hosts:`).
        `[${playbookHosts(game)}]\n${ipv4} ansible_user=${user} ansible_ssh_common_args='${ssh}'\n`,
        { mode: 0o600 },
      );
      const vars = join(dir, 'vars.json');
      await writeFile(vars, JSON.stringify(extraVars), { mode: 0o600 });
      await chmod(dir, 0o700);
      const run: PlaybookRun = {
        command,
        args: ['-i', inventory, '--extra-vars', `@${vars}`, playbook, ...extraArgs],
        cwd: ansibleDir,
        timeoutMs,
        request,
        ...words,
      };
      // The guest agent reports the address before sshd listens (cloud-init makes its host keys first): a
      // fresh VM refusing SSH is still booting, so run again until it answers or the wait is over.
      let refused: UnreachableError | undefined;
      return await pollUntil(
        async () => {
          try {
            return await runPlaybook(run);
          } catch (error) {
            if (!(error instanceof UnreachableError)) throw error;
            refused = error;
            request.onProgress(`Waiting for SSH on ${ipv4} (the VM is still starting)`);
            return undefined;
          }
        },
        {
          timeoutMs: options.sshReadyTimeoutMs ?? 5 * 60_000,
          intervalMs: SSH_RETRY_MS,
          signal: request.signal,
          onTimeout: () => refused as UnreachableError,
        },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** What a playbook run needs of its request: which game, where, progress and cancellation. */
type PlaybookRequest = Pick<GameSetupRequest, 'game' | 'ipv4' | 'signal' | 'onProgress'>;

interface PlaybookRun {
  command: string;
  args: string[];
  cwd: string;
  timeoutMs: number;
  request: PlaybookRequest;
  /** `Installing Minecraft`: how failures begin. */
  doing: string;
  /** The detail of a run that ended well. */
  done(tasks: number): string;
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (PASSED_ENV.test(key)) env[key] = value;
  return {
    ...env,
    ANSIBLE_STDOUT_CALLBACK: 'default',
    ANSIBLE_CALLBACK_RESULT_FORMAT: 'yaml',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    PYTHONUNBUFFERED: '1',
  };
}

function runPlaybook(run: PlaybookRun): Promise<{ detail: string; log: string }> {
  const { request } = run;
  return new Promise((resolve, reject) => {
    const reader = new AnsibleOutputReader();
    let log = '';
    let pending = '';
    let timedOut = false;
    const child = spawn(run.command, run.args, {
      cwd: existsSync(run.cwd) ? run.cwd : undefined,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: string) => {
      log = (log + chunk).slice(-MAX_LOG_CHARS);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      keep(chunk);
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const task = reader.line(line.replace(/\r$/, ''));
        if (task) request.onProgress(`Ansible: ${task}`);
      }
    });
    child.stderr.setEncoding('utf8').on('data', keep);
    const kill = () => {
      child.kill('SIGTERM');
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5_000).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, run.timeoutMs);
    const abort = () => kill();
    request.signal.addEventListener('abort', abort, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', abort);
      reject(
        new GameSetupError(
          error.code === 'ENOENT'
            ? `${run.command} is not installed on the worker's machine; install Ansible there (apt-get install ansible-core) or run with GAME_RUNNER=simulated.`
            : `${run.command} could not be started: ${error.message}.`,
        ),
      );
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', abort);
      if (pending !== '') reader.line(pending);
      if (request.signal.aborted)
        return reject(new Error('ansible-playbook was stopped because the worker is stopping.'));
      if (timedOut) {
        return reject(
          new GameSetupError(
            `${run.doing} took longer than ${Math.round(run.timeoutMs / 60_000)} min and was stopped${reader.task ? ` during '${reader.task}'` : ''}.`,
            log,
          ),
        );
      }
      if (code === 0) return resolve({ detail: run.done(reader.tasks), log });
      const failure = reader.failure;
      const Failure = failure?.unreachable ? UnreachableError : GameSetupError;
      reject(
        new Failure(
          failure
            ? `${run.doing} failed at '${failure.task ?? 'the first task'}': ${failure.message}`
            : `${run.doing} failed: ansible-playbook exited with code ${code}; the job's log has its output.`,
          log,
        ),
      );
    });
  });
}
