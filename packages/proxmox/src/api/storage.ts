import { api } from '../http/path';
import type { ProxmoxHttp } from '../http/transport';

export interface StorageSummary {
  storage: string;
  type: string;
  /** Comma-separated content types, e.g. `images,rootdir`. */
  content: string;
  active?: 0 | 1;
  enabled?: 0 | 1;
  shared?: 0 | 1;
  avail?: number;
  total?: number;
  used?: number;
}

export interface StorageListFilter {
  /** Only storages offering this content type, e.g. `images`, `snippets`, `backup`. */
  content?: string;
  enabled?: boolean;
}

export function storageApi(http: ProxmoxHttp) {
  return {
    list: (node: string, filter: StorageListFilter = {}): Promise<StorageSummary[]> =>
      http.call({ method: 'GET', path: api`/nodes/${node}/storage`, query: { ...filter } }),
  };
}
