import type { JobKind } from '@guildserver/contracts';
import type { JobParams } from './jobs.js';

export const STEP_NAMES = [
  'verify_vmid',
  'adopt_vm',
  'clone',
  'configure',
  'resize_disk',
  'start_vm',
  'wait_network',
  'setup_game',
  'wait_game',
  'publish_ports',
  'unpublish_ports',
  'check_vm',
  'shutdown_vm',
  'destroy_vm',
  'release_resources',
  'hold_game',
  'backup_vm',
  'release_game',
  'prune_backups',
  'restore_vm',
  'save_game',
  'sleep_vm',
] as const;

export type StepName = (typeof STEP_NAMES)[number];

export const isStepName = (value: string): value is StepName =>
  (STEP_NAMES as readonly string[]).includes(value);

export interface PlannedStep {
  name: StepName;
  /** What a person sees while it runs. */
  title: string;
}

const step = (name: StepName, title: string): PlannedStep => ({ name, title });
const PUBLISH = step('publish_ports', 'Publishing the address at the edge');
const UNPUBLISH = step('unpublish_ports', 'Closing the address at the edge');
const BACKUP = step('backup_vm', 'Backing up the VM');

/** Every job is a fixed list of named steps, recorded when the job is created and run in order. */
export const PLANS: Record<JobKind, readonly PlannedStep[]> = {
  create: [
    step('verify_vmid', 'Checking the VM id at Proxmox'),
    step('clone', 'Cloning the template'),
    step('configure', 'Configuring the VM'),
    step('resize_disk', 'Sizing the disk'),
    step('start_vm', 'Starting the VM'),
    step('wait_network', 'Waiting for the network'),
    step('setup_game', 'Installing the game'),
    step('wait_game', 'Waiting for the game to answer'),
    PUBLISH,
  ],
  start: [
    step('check_vm', 'Checking the VM'),
    step('start_vm', 'Starting the VM'),
    step('wait_network', 'Waiting for the network'),
    step('wait_game', 'Waiting for the game to answer'),
    PUBLISH,
  ],
  stop: [step('check_vm', 'Checking the VM'), UNPUBLISH, step('shutdown_vm', 'Stopping the game server')],
  restart: [
    step('check_vm', 'Checking the VM'),
    UNPUBLISH,
    step('shutdown_vm', 'Stopping the game server'),
    step('start_vm', 'Starting the VM'),
    step('wait_network', 'Waiting for the network'),
    step('wait_game', 'Waiting for the game to answer'),
    PUBLISH,
  ],
  // The final backup is of the stopped VM: consistent without asking the game anything.
  delete: [
    step('check_vm', 'Checking the VM'),
    UNPUBLISH,
    step('shutdown_vm', 'Stopping the VM'),
    BACKUP,
    step('destroy_vm', 'Destroying the VM'),
    step('release_resources', 'Releasing ports and the VM id'),
  ],
  backup: [
    step('check_vm', 'Checking the VM'),
    step('hold_game', 'Asking the game to save'),
    BACKUP,
    step('release_game', 'Letting the game carry on'),
    step('prune_backups', 'Applying the retention'),
  ],
  // A backup of the world as it is comes first, so a wrong restore can be undone.
  restore: [
    step('check_vm', 'Checking the VM'),
    UNPUBLISH,
    step('shutdown_vm', 'Stopping the game server'),
    BACKUP,
    step('restore_vm', 'Restoring the backup'),
    step('configure', 'Configuring the VM'),
    step('start_vm', 'Starting the VM'),
    step('wait_network', 'Waiting for the network'),
    step('wait_game', 'Waiting for the game to answer'),
    PUBLISH,
  ],
  // The address closes first, so no player joins a game that is about to stop answering.
  sleep: [
    step('check_vm', 'Checking the VM'),
    step('save_game', 'Asking the game to save'),
    UNPUBLISH,
    step('sleep_vm', 'Putting the VM to sleep'),
  ],
  // A hibernated VM resumes where it was (Proxmox's start reads its saved memory back); a shut-down one boots.
  wake: [
    step('check_vm', 'Checking the VM'),
    step('start_vm', 'Waking the VM'),
    step('wait_network', 'Waiting for the network'),
    step('wait_game', 'Waiting for the game to answer'),
    PUBLISH,
  ],
  // Undo a delete: the VM comes back from the final backup, world and game installed, under a new VM id.
  recreate: [
    step('verify_vmid', 'Checking the VM id at Proxmox'),
    step('restore_vm', 'Restoring the final backup'),
    step('configure', 'Configuring the VM'),
    step('resize_disk', 'Sizing the disk'),
    step('start_vm', 'Starting the VM'),
    step('wait_network', 'Waiting for the network'),
    step('wait_game', 'Waiting for the game to answer'),
    PUBLISH,
  ],
  // Another server's world under a new name: its VM restored from the backup, then the game set up as a create
  // sets it up (the server's own name, passwords and ports; installing is already done).
  copy: [
    step('verify_vmid', 'Checking the VM id at Proxmox'),
    step('restore_vm', 'Restoring the backup'),
    step('configure', 'Configuring the VM'),
    step('resize_disk', 'Sizing the disk'),
    step('start_vm', 'Starting the VM'),
    step('wait_network', 'Waiting for the network'),
    step('setup_game', 'Setting the game up under its new name'),
    step('wait_game', 'Waiting for the game to answer'),
    PUBLISH,
  ],
};

/**
 * A create from a game image: the image is cloned instead of the base template, and the playbook runs only its
 * configure part (the server's name, passwords, ports, settings) — the game is installed already.
 */
const CREATE_FROM_IMAGE: readonly PlannedStep[] = PLANS.create.map((planned) => {
  if (planned.name === 'clone') return step('clone', 'Cloning the game image');
  if (planned.name === 'setup_game')
    return step('setup_game', 'Configuring the game (installed in the image)');
  return planned;
});

/**
 * A create that took a warm-pool VM (made from the game's image ahead of time): no id to check and nothing to
 * clone; the VM becomes the server's, is sized and started (when it waits stopped), and the game configured.
 */
const CREATE_FROM_POOL: readonly PlannedStep[] = [
  step('adopt_vm', 'Taking a ready VM from the warm pool'),
  ...CREATE_FROM_IMAGE.filter((planned) => planned.name !== 'verify_vmid' && planned.name !== 'clone'),
];

/** The steps of a job of this kind asked with these params. */
export function planOf(kind: JobKind, params: JobParams = {}): readonly PlannedStep[] {
  if (kind !== 'create') return PLANS[kind];
  if (params.pool) return CREATE_FROM_POOL;
  return params.image ? CREATE_FROM_IMAGE : PLANS.create;
}

/** The kinds of job that make the server's VM (and on failure destroy it and give back its VM id and ports). */
export type MakesVmKind = 'create' | 'recreate' | 'copy';
export const makesNewVm = (kind: JobKind): kind is MakesVmKind =>
  kind === 'create' || kind === 'recreate' || kind === 'copy';
