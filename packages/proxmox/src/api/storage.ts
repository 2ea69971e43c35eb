import { api } from '../http/path';
import type { ProxmoxHttp } from '../http/transport';
import type { Upid } from '../upid';

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

/** One volume of `GET /nodes/{node}/storage/{storage}/content`. */
export interface StorageVolume {
  /** `local:backup/vzdump-qemu-101-2025_03_13-10_00_00.vma.zst`, `local-lvm:vm-101-disk-0`. */
  volid: string;
  /** `raw`, `qcow2`, … for images; `vma.zst`, `vma`, `tar.zst`, … for backups. */
  format: string;
  size: number;
  /** `backup`, `images`, `iso`, `vztmpl`, `snippets`, `rootdir`, `import`. */
  content?: string;
  vmid?: number;
  /** Seconds since the epoch. */
  ctime?: number;
  used?: number;
  parent?: string;
  /** Backups: `qemu` or `lxc`. */
  subtype?: string;
  /** Backups: the first line of the notes only (volumeAttributes has them all). */
  notes?: string;
  /** Backups: 1 when protected from removal (absent otherwise). */
  protected?: 0 | 1 | boolean;
  encrypted?: string;
  verification?: { state: string; upid: string };
}

/** A backup archive as the content listing shows it. */
export type BackupVolume = StorageVolume & { content: 'backup'; subtype?: 'qemu' | 'lxc' | string };

export interface StorageContentFilter {
  /** Only this content type, e.g. `backup`, `images`. */
  content?: string;
  /** Only volumes of this guest. */
  vmid?: number;
}

/** `GET …/content/{volume}`. */
export interface VolumeAttributes {
  path: string;
  size: number;
  used: number;
  format: string;
  /** All lines of a backup's notes. */
  notes?: string;
  protected?: 0 | 1 | boolean;
}

export interface VolumeAttributesUpdate {
  /** New notes; an empty string removes them. */
  notes?: string;
  protected?: boolean;
}

export function storageApi(http: ProxmoxHttp) {
  const content = (node: string, storage: string) => api`/nodes/${node}/storage/${storage}/content`;
  const volumePath = (node: string, storage: string, volume: string) =>
    `${content(node, storage)}${api`/${volume}`}`;
  return {
    list: (node: string, filter: StorageListFilter = {}): Promise<StorageSummary[]> =>
      http.call({ method: 'GET', path: api`/nodes/${node}/storage`, query: { ...filter } }),

    /** Everything on one storage of one node (a non-shared storage differs per node). */
    content: (node: string, storage: string, filter: StorageContentFilter = {}): Promise<StorageVolume[]> =>
      http.call({ method: 'GET', path: content(node, storage), query: { ...filter } }),

    /** Backup archives on the storage, optionally of one guest (also those of other guests, and renamed ones). */
    backups: (node: string, storage: string, filter: { vmid?: number } = {}): Promise<BackupVolume[]> =>
      http.call({
        method: 'GET',
        path: content(node, storage),
        query: { content: 'backup', vmid: filter.vmid },
      }),

    /** `volume` is a full volume id (`local:backup/…`) or a name on this storage (`backup/…`). */
    volumeAttributes: (node: string, storage: string, volume: string): Promise<VolumeAttributes> =>
      http.call({ method: 'GET', path: volumePath(node, storage, volume) }),

    /** Backups only: notes and protection. */
    updateVolumeAttributes: async (
      node: string,
      storage: string,
      volume: string,
      update: VolumeAttributesUpdate,
    ): Promise<void> => {
      await http.call({ method: 'PUT', path: volumePath(node, storage, volume), body: { ...update } });
    },

    /**
     * Delete → UPID of an `imgdel` task (a protected backup fails in the task, not here). With `delay` (1–30 s)
     * PVE waits for the task: null when it ended well, its error as an exception, the UPID when still running.
     */
    deleteVolume: async (
      node: string,
      storage: string,
      volume: string,
      options: { delay?: number } = {},
    ): Promise<Upid | null> =>
      (await http.call<Upid | null>({
        method: 'DELETE',
        path: volumePath(node, storage, volume),
        query: { delay: options.delay },
      })) ?? null,
  };
}
