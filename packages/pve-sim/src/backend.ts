// What happens to a VM's disks and processes when the API asks: the simulator's handlers keep the Proxmox wire
// protocol (schemas, tasks, locks, errors) and call a backend for the machine itself. `simulated` pretends (the
// state in ClusterState is all there is); `qemu` (src/qemu/) makes real disk images and real QEMU processes.
import type { SimBackup, SimVm } from './cluster/model.js';
import type { TaskLog } from './tasks/runner.js';

/** A guest agent that does not answer (yet): the handler turns it into PVE's `QEMU guest agent is not running`. */
export class AgentNotRunningError extends Error {
  constructor(message = 'QEMU guest agent is not running') {
    super(message);
    this.name = 'AgentNotRunningError';
  }
}

export type AgentCommand = 'ping' | 'network-get-interfaces' | 'get-host-name';

export interface VmBackend {
  readonly kind: 'simulated' | 'qemu';
  /**
   * Called by the clone task once the clone's config is final (disk volumes renamed as PVE does): makes the
   * clone's disks from the source's (linked: an overlay on the source's base image; full: a copy).
   */
  cloneDisks(source: SimVm, clone: SimVm, full: boolean, log: TaskLog): Promise<void>;
  /**
   * Called by the qmtemplate task for each drive that becomes a base volume (the VM is stopped), before the
   * config names `baseVolume`: renames the disk's image from `volume` to `baseVolume` and makes it read-only,
   * as linked clones will read it as their backing file.
   */
  makeBase(vm: SimVm, volume: string, baseVolume: string, log: TaskLog): Promise<void>;
  /** Grows one disk to `sizeBytes` (never shrinks: the handler refuses that first). */
  resizeDisk(vm: SimVm, diskKey: string, sizeBytes: number): Promise<void>;
  /**
   * Called by the vzdump task before it records `backup` (the guest is locked `backup`): writes the archive of
   * the VM's disks that `backup.volid` names.
   */
  backupDisks(vm: SimVm, backup: SimBackup, log: TaskLog): Promise<void>;
  /**
   * Called by the qmrestore task once `vm.config` is the restored config (disks renamed to `vm.vmid`): makes
   * those disks from the archive, replacing any the VM had before (restore with `force`).
   */
  restoreDisks(vm: SimVm, backup: SimBackup, log: TaskLog): Promise<void>;
  /**
   * Called once a backup volume is gone from the storage (content DELETE, prune): removes its archive. A backup
   * whose archive is already gone (or never was written) is no error.
   */
  removeBackup(backup: SimBackup, log: TaskLog): Promise<void>;
  /** Removes the VM's disks and anything else kept for it (the VM is stopped). */
  destroy(vm: SimVm, log: TaskLog): Promise<void>;
  /**
   * Boots the VM with its current config (pending changes already applied), including its cloud-init seed
   * when it has a cloud-init drive. Resolves once the machine runs (not when the guest has booted).
   */
  start(vm: SimVm, log: TaskLog): Promise<void>;
  /** Hard stop (PVE's `stop`): the process ends at once. */
  stop(vm: SimVm): Promise<void>;
  /** ACPI power-down; resolves true once the guest is off, false if it was still on after `timeoutMs`. */
  shutdown(vm: SimVm, timeoutMs: number): Promise<boolean>;
  /** Reboot of a running VM (PVE: a shutdown and a start, so pending cloud-init changes apply). */
  reboot(vm: SimVm, log: TaskLog): Promise<void>;
  /** Hard reset of a running VM (PVE's `reset`): the same process and config, the guest boots again. */
  reset(vm: SimVm): Promise<void>;
  /** Stops a running VM's vCPUs, the process staying (PVE's suspend without `todisk`: QMP `stop`). */
  pause(vm: SimVm): Promise<void>;
  /** Lets a paused VM run on (PVE's resume: QMP `cont`). */
  unpause(vm: SimVm): Promise<void>;
  /**
   * Suspend to disk: saves the running VM's state (RAM and devices) into `stateVolume` (a `storage:volume` id),
   * then ends its process. On failure the VM runs on and no state is left behind.
   */
  hibernate(vm: SimVm, stateVolume: string, log: TaskLog): Promise<void>;
  /**
   * Starts the VM from the state `hibernate` saved (its config unchanged since): the guest runs on where it
   * stopped. Resolves once the machine runs; the state stays until `removeState`.
   */
  resumeFromState(vm: SimVm, stateVolume: string, log: TaskLog): Promise<void>;
  /** Frees a saved state (resumed, or discarded with the config's `vmstate`); one already gone is no error. */
  removeState(vm: SimVm, stateVolume: string): Promise<void>;
  /** Sends a command to the VM's guest agent; rejects with AgentNotRunningError when it does not answer. */
  agent(vm: SimVm, command: AgentCommand): Promise<unknown>;
  /** Called when a VM's machine went away by itself (the guest powered off, the process died). */
  onExit(listener: (vmid: number) => void): void;
  /** Stops every machine this backend started and releases what it holds. */
  close(): Promise<void>;
}

/** The simulator's own backend: nothing outside the cluster state exists. */
export function createSimulatedBackend(): VmBackend {
  return {
    kind: 'simulated',
    cloneDisks: async () => {},
    makeBase: async () => {},
    resizeDisk: async () => {},
    backupDisks: async () => {},
    restoreDisks: async () => {},
    removeBackup: async () => {},
    destroy: async () => {},
    start: async () => {},
    stop: async () => {},
    shutdown: async () => true,
    reboot: async () => {},
    reset: async () => {},
    pause: async () => {},
    unpause: async () => {},
    hibernate: async () => {},
    resumeFromState: async () => {},
    removeState: async () => {},
    agent: async () => {
      throw new Error('the simulated backend answers guest-agent calls in the handler');
    },
    onExit: () => {},
    close: async () => {},
  };
}
