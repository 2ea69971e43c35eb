import { api } from '../http/path';
import type { ProxmoxHttp } from '../http/transport';
import type { Upid } from '../upid';

export interface VzdumpParams {
  node: string;
  /** One id or several. */
  vmid: number | readonly number[];
  storage?: string;
  mode?: 'snapshot' | 'suspend' | 'stop';
  compress?: '0' | '1' | 'gzip' | 'lzo' | 'zstd';
  notesTemplate?: string;
  protected?: boolean;
}

export function backupApi(http: ProxmoxHttp) {
  return {
    /** Backup → UPID (type `vzdump`); the guest is locked `backup` meanwhile. */
    vzdump: (params: VzdumpParams): Promise<Upid> =>
      http.call({
        method: 'POST',
        path: api`/nodes/${params.node}/vzdump`,
        body: {
          vmid: typeof params.vmid === 'number' ? params.vmid : params.vmid.join(','),
          storage: params.storage,
          mode: params.mode,
          compress: params.compress,
          'notes-template': params.notesTemplate,
          protected: params.protected,
        },
      }),
  };
}
