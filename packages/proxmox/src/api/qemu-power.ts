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

// Power actions all answer a UPID. Start on a running VM fails inside the task (`VM N already running`);
// stop/shutdown on a stopped VM are OK; reboot on a stopped VM is a 500 (`VM N not running`).
export function qemuPowerApi(http: ProxmoxHttp) {
  const action = (
    vm: VmRef,
    name: string,
    body: Record<string, number | boolean | undefined>,
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
  };
}
