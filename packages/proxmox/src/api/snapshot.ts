import { api } from '../http/path';
import type { ProxmoxHttp } from '../http/transport';
import type { Upid } from '../upid';
import type { VmRef } from './types';

export interface SnapshotSummary {
  /** `current` stands for the running state, not a snapshot. */
  name: string;
  description?: string;
  parent?: string;
  snaptime?: number;
  vmstate?: number;
}

export function snapshotApi(http: ProxmoxHttp) {
  const base = (vm: VmRef) => api`/nodes/${vm.node}/qemu/${vm.vmid}/snapshot`;
  return {
    list: (vm: VmRef): Promise<SnapshotSummary[]> => http.call({ method: 'GET', path: base(vm) }),

    create: (
      vm: VmRef,
      snapname: string,
      options: { description?: string; vmstate?: boolean } = {},
    ): Promise<Upid> => http.call({ method: 'POST', path: base(vm), body: { snapname, ...options } }),

    rollback: (vm: VmRef, snapname: string, options: { start?: boolean } = {}): Promise<Upid> =>
      http.call({ method: 'POST', path: `${base(vm)}${api`/${snapname}/rollback`}`, body: { ...options } }),

    delete: (vm: VmRef, snapname: string, options: { force?: boolean } = {}): Promise<Upid> =>
      http.call({ method: 'DELETE', path: `${base(vm)}${api`/${snapname}`}`, query: { ...options } }),
  };
}
