import type { ProxmoxHttp } from '../http/transport';

export type ClusterResourceType = 'vm' | 'storage' | 'node' | 'sdn';

export interface ClusterResource {
  id: string;
  type: string;
  node?: string;
  vmid?: number;
  name?: string;
  status?: string;
  template?: 0 | 1;
  /** `;`-separated; see decodeTags. */
  tags?: string;
  lock?: string;
  storage?: string;
  maxmem?: number;
  mem?: number;
  maxdisk?: number;
  disk?: number;
  [key: string]: unknown;
}

export function clusterApi(http: ProxmoxHttp) {
  return {
    resources: (type?: ClusterResourceType): Promise<ClusterResource[]> =>
      http.call({ method: 'GET', path: '/cluster/resources', query: { type } }),

    /**
     * Without `vmid`: the lowest free id (reserves nothing — concurrent callers get the same one).
     * With `vmid`: returns it if free, throws `already_exists` if taken.
     */
    nextId: async (vmid?: number): Promise<number> => {
      const id = await http.call<string | number>({
        method: 'GET',
        path: '/cluster/nextid',
        query: { vmid },
      });
      const parsed = Number(id);
      if (!Number.isInteger(parsed))
        throw new TypeError(`Proxmox returned a non-numeric next id: ${String(id)}`);
      return parsed;
    },
  };
}
