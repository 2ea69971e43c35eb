import type { GuestInterface } from '../agent/pick-ipv4';
import { api } from '../http/path';
import type { ProxmoxHttp } from '../http/transport';
import type { VmRef } from './types';

export function agentApi(http: ProxmoxHttp) {
  return {
    /** Resolves when the guest agent answers; throws agent_not_running / vm_not_running / ... otherwise. */
    ping: async (vm: VmRef): Promise<void> => {
      await http.call({ method: 'POST', path: api`/nodes/${vm.node}/qemu/${vm.vmid}/agent/ping` });
    },

    networkGetInterfaces: async (vm: VmRef, signal?: AbortSignal): Promise<GuestInterface[]> => {
      const data = await http.call<{ result?: GuestInterface[] } | null>({
        method: 'GET',
        path: api`/nodes/${vm.node}/qemu/${vm.vmid}/agent/network-get-interfaces`,
        signal,
      });
      return data?.result ?? [];
    },
  };
}

export type AgentApi = ReturnType<typeof agentApi>;
