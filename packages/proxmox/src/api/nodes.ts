import type { ProxmoxHttp } from '../http/transport';

export interface NodeSummary {
  node: string;
  status: 'online' | 'offline' | 'unknown';
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  uptime?: number;
  /** SHA-256 fingerprint of the node certificate: what PROXMOX_TLS_FINGERPRINT pins. */
  ssl_fingerprint?: string;
}

export function nodesApi(http: ProxmoxHttp) {
  return {
    list: (): Promise<NodeSummary[]> => http.call({ method: 'GET', path: '/nodes' }),
  };
}
