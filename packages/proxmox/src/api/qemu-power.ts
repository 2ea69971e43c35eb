import { api } from '../http/path';
import type { ProxmoxHttp } from '../http/transport';
import type { Upid } from '../upid';
import type { VmRef } from './types';

export interface ShutdownOptions {
  /** Seconds to wait for the guest (after which the task fails unless forceStop). */
  timeout?: number;
  /** Stop the VM hard when the guest did not shut down in time. */
  forceStop?: boolean;
}

export interface SuspendOptions {
  /**
   * Hibernate (task `qmsuspend`): the VM's RAM and device state go to a `vmstate` volume and the VM stops,
   * locked `suspended` (`suspending` while the state is written); the next `start` (or `resume`) carries on
   * from that state. Without it (task `qmpause`) the vCPUs just stop: still `running`, qmpstatus `paused`.
   */
  toDisk?: boolean;
  /** Storage for the state volume (with `toDisk` only). Default: the config's `vmstatestorage`, else a storage the VM's disks use. */
  stateStorage?: string;
  /** Ignore the VM's lock (root@pam only). */
  skipLock?: boolean;
}

// Power actions all answer a UPID. Start on a running VM fails inside the task (`VM N already running`);
// stop/shutdown on a stopped VM are OK; reboot and suspend on a stopped VM are a 500 (`VM N not running`).
export function qemuPowerApi(http: ProxmoxHttp) {
  const action = (
    vm: VmRef,
    name: string,
    body: Record<string, string | number | boolean | undefined>,
  ): Promise<Upid> =>
    http.call({ method: 'POST', path: api`/nodes/${vm.node}/qemu/${vm.vmid}/status/${name}`, body });

  return {
    start: (vm: VmRef, options: { timeout?: number } = {}) =>
      action(vm, 'start', { timeout: options.timeout }),
    stop: (vm: VmRef, options: { timeout?: number } = {}) => action(vm, 'stop', { timeout: options.timeout }),
    shutdown: (vm: VmRef, options: ShutdownOptions = {}) =>
      action(vm, 'shutdown', { timeout: options.timeout, forceStop: options.forceStop }),
    reboot: (vm: VmRef, options: { timeout?: number } = {}) =>
      action(vm, 'reboot', { timeout: options.timeout }),
    /**
     * Pause, or with `toDisk` hibernate. A failed hibernation leaves the VM running and locked `suspending`
     * (PVE keeps that lock to show something went wrong); `qm unlock` on the node clears it.
     */
    suspend: (vm: VmRef, options: SuspendOptions = {}) =>
      action(vm, 'suspend', {
        todisk: options.toDisk,
        statestorage: options.stateStorage,
        skiplock: options.skipLock,
      }),
    /**
     * Resume a paused VM, or start a hibernated one (as `start` would); OK for a VM already running. A 500
     * (`VM N not running`) for a VM that is neither.
     */
    resume: (vm: VmRef, options: { skipLock?: boolean } = {}) =>
      action(vm, 'resume', { skiplock: options.skipLock }),
  };
}
