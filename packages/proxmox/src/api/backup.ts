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

/** Retention per guest; no positive option means keep everything. */
export interface PruneBackupsOptions {
  keepAll?: boolean;
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
}

export interface PruneParams {
  node: string;
  storage: string;
  /** Retention to apply; without it PVE uses the storage's own `prune-backups` (and fails if it has none). */
  keep?: PruneBackupsOptions;
  /** Only this guest's backups. */
  vmid?: number;
  type?: 'qemu' | 'lxc';
}

/** One backup of the prune dry run. */
export interface PruneEntry {
  volid: string;
  ctime: number;
  /** `qemu`, `lxc`, `openvz` or `unknown`. */
  type: string;
  vmid?: number;
  /** `protected` and `renamed` (not in vzdump's naming scheme) are never removed. */
  mark: 'keep' | 'remove' | 'protected' | 'renamed';
}

export interface RestoreParams {
  node: string;
  /** The VM to create, or with `force` to overwrite. */
  vmid: number;
  /** Backup volume id, e.g. `local:backup/vzdump-qemu-101-2025_03_13-10_00_00.vma.zst`. */
  archive: string;
  /** Overwrite an existing VM (it must be stopped and unlocked). */
  force?: boolean;
  /** Put every disk on this storage instead of the one it was backed up from. */
  storage?: string;
  /** New MAC addresses (and SMBIOS UUID), for a copy beside the original. */
  unique?: boolean;
  start?: boolean;
  /** Settings applied over the restored config (PVE 7.2+), e.g. a new name and tags for a copy. */
  config?: { name?: string; tags?: string; description?: string };
}

const PRUNE_KEYS: [keyof PruneBackupsOptions, string][] = [
  ['keepAll', 'keep-all'],
  ['keepLast', 'keep-last'],
  ['keepHourly', 'keep-hourly'],
  ['keepDaily', 'keep-daily'],
  ['keepWeekly', 'keep-weekly'],
  ['keepMonthly', 'keep-monthly'],
  ['keepYearly', 'keep-yearly'],
];

/** The `prune-backups` property string, e.g. `keep-last=3,keep-daily=7`. */
export function pruneBackupsProperty(keep: PruneBackupsOptions): string {
  return PRUNE_KEYS.filter(([key]) => keep[key] !== undefined)
    .map(([key, name]) => `${name}=${typeof keep[key] === 'boolean' ? (keep[key] ? 1 : 0) : keep[key]}`)
    .join(',');
}

export function backupApi(http: ProxmoxHttp) {
  const prune = (params: PruneParams) => ({
    path: api`/nodes/${params.node}/storage/${params.storage}/prunebackups`,
    query: {
      'prune-backups': params.keep ? pruneBackupsProperty(params.keep) : undefined,
      vmid: params.vmid,
      type: params.type,
    },
  });
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

    /** What a prune would do, per backup (PVE's preview; backups may change before the real prune). */
    pruneDryRun: (params: PruneParams): Promise<PruneEntry[]> =>
      http.call({ method: 'GET', ...prune(params) }),

    /** Prune → UPID (type `prunebackups`). */
    prune: (params: PruneParams): Promise<Upid> => http.call({ method: 'DELETE', ...prune(params) }),

    /**
     * Restore a VM from a backup archive → UPID (type `qmrestore`); the VM is locked `create` until it ends.
     * Sent once, never retried: a failed call may have created the VM.
     */
    restore: (params: RestoreParams): Promise<Upid> =>
      http.call({
        method: 'POST',
        path: api`/nodes/${params.node}/qemu`,
        body: {
          vmid: params.vmid,
          archive: params.archive,
          force: params.force,
          storage: params.storage,
          unique: params.unique,
          start: params.start,
          ...params.config,
        },
        retry: 'never',
      }),
  };
}
