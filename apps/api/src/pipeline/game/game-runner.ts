// Installing and starting the game inside a fresh VM. The worker only sees this interface; `ansible` runs the
// playbooks, `simulated` stands in while Proxmox is the simulator (there is no real VM to reach).
import type { GameDefinition, Resources } from '@guildserver/games';
import type { ServerPort } from '../../domain/server-ports.js';

export interface GameSetupServer {
  id: string;
  name: string;
  guildId: string;
}

export interface GameSetupRequest {
  server: GameSetupServer;
  game: GameDefinition;
  ipv4: string;
  ports: readonly ServerPort[];
  size: Resources;
  /**
   * `all` (the default): install and configure. `configure`: only the server's own part (`--tags configure`),
   * on a VM cloned from a game image that has the game installed.
   */
  part?: PlaybookPart;
  signal: AbortSignal;
  /** One short line per visible stage (e.g. each Ansible task name). */
  onProgress(message: string): void;
}

export type PlaybookPart = 'all' | 'configure';

export interface GameSetupResult {
  /** One sentence for the step's detail. */
  detail: string;
  /** Full output, kept for operators. */
  log?: string;
}

/** A setup that failed for good: one readable sentence, and the full log for the job. */
export class GameSetupError extends Error {
  constructor(
    message: string,
    readonly log?: string,
  ) {
    super(message);
    this.name = 'GameSetupError';
  }
}

/** Stopping or starting the game's own service (`guildserver-<game>`) in a running VM; the VM stays up. */
export interface GameServiceRequest {
  server: GameSetupServer;
  game: GameDefinition;
  ipv4: string;
  action: 'stop' | 'start';
  signal: AbortSignal;
  onProgress(message: string): void;
}

/** A VM being made into a game image: it has no server of its own. */
export interface ImageVmRequest {
  game: GameDefinition;
  ipv4: string;
  signal: AbortSignal;
  onProgress(message: string): void;
}

export interface GameRunner {
  readonly kind: string;
  /** Resolves when the game is installed and started; rejects with GameSetupError when it cannot be. */
  setup(request: GameSetupRequest): Promise<GameSetupResult>;
  /** Installs the game and nothing of any server (`--tags install`), for an image; rejects with GameSetupError. */
  install(request: ImageVmRequest): Promise<GameSetupResult>;
  /** Seals an installed VM into an image (playbooks/seal.yml); the VM stays up. Rejects with GameSetupError. */
  seal(request: ImageVmRequest): Promise<GameSetupResult>;
  /** Waits out a booted VM's first boot (playbooks/settle.yml: SSH, cloud-init); rejects with GameSetupError. */
  settle(request: ImageVmRequest): Promise<GameSetupResult>;
  /** Resolves with a sentence once the game's service is stopped (or started); rejects with GameSetupError. */
  service(request: GameServiceRequest): Promise<string>;
}

/** For the simulator: says clearly that nothing was installed, and succeeds. */
export function createSimulatedGameRunner(): GameRunner {
  return {
    kind: 'simulated',
    async setup({ game, part = 'all', onProgress }) {
      const configureOnly = part === 'configure';
      onProgress(`Simulated: Proxmox is the simulator, so there is no VM to set ${game.name} up on.`);
      onProgress(
        `Simulated: would run ansible/${game.playbook}${configureOnly ? ' --tags configure' : ''} against the VM.`,
      );
      onProgress(
        `Simulated: ${game.name} counts as ${configureOnly ? 'configured' : 'installed'} and started.`,
      );
      return {
        detail: configureOnly
          ? `Simulated configure of ${game.name}, installed in its game image (no real VM behind the simulator).`
          : `Simulated install of ${game.name} (no real VM behind the simulator).`,
      };
    },
    async service({ game, action }) {
      return `Simulated: would ${action} ${game.name}'s service (no real VM behind the simulator).`;
    },
    async install({ game, onProgress }) {
      onProgress(`Simulated: would run ansible/${game.playbook} --tags install against the VM.`);
      return { detail: `Simulated install of ${game.name} for its image (no real VM behind the simulator).` };
    },
    async seal({ game, onProgress }) {
      onProgress('Simulated: would run ansible/playbooks/seal.yml against the VM.');
      return { detail: `Simulated seal of ${game.name}'s image VM (no real VM behind the simulator).` };
    },
    async settle({ onProgress }) {
      onProgress('Simulated: would run ansible/playbooks/settle.yml against the VM.');
      return { detail: 'Simulated: the first boot counts as finished (no real VM behind the simulator).' };
    },
  };
}
