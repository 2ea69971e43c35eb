// The simulated cluster's data, kept plain so it can be saved to and loaded from a JSON state file.

export interface SimNode {
  name: string;
  online: boolean;
  maxcpu: number;
  maxmem: number;
  /** SHA-256 fingerprint PVE shows as `ssl_fingerprint`. */
  sslFingerprint: string;
  /** Index used for IP addresses and ids. */
  index: number;
}

export type StorageType = 'lvmthin' | 'lvm' | 'dir';

export interface SimStorage {
  id: string;
  type: StorageType;
  content: string[];
  shared: boolean;
  total: number;
  /** Nodes where the storage is available (all when shared). */
  nodes: string[];
}

export interface SimSnapshot {
  name: string;
  description: string;
  snaptime: number;
  parent?: string;
  vmstate: boolean;
  config: Record<string, string>;
}

export interface SimVm {
  vmid: number;
  node: string;
  /** Config keys exactly as PVE stores them (all strings, property strings unparsed). */
  config: Record<string, string>;
  /** Changes waiting for the next start (`delete` lists removals). */
  pending: Record<string, string>;
  pendingDelete: string[];
  status: 'running' | 'stopped';
  /** A running VM whose vCPUs are stopped (PVE's suspend without `todisk`: qmpstatus `paused`). */
  paused?: boolean;
  /** Milliseconds since epoch of the last start (drives guest-agent boot). */
  startedAt?: number;
  /**
   * `startedAt` of a start that resumed a saved state: while it still equals `startedAt`, the guest did not boot
   * but carried on, already up.
   */
  resumedAt?: number;
  snapshots: SimSnapshot[];
}

export interface SimTaskLogLine {
  n: number;
  t: string;
}

export interface SimTask {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  log: SimTaskLogLine[];
}

export interface SimBackup {
  /** `local:backup/vzdump-qemu-<vmid>-<YYYY_MM_DD-HH_MM_SS>.vma.zst` */
  volid: string;
  vmid: number;
  storage: string;
  /** Node whose (non-shared) storage holds the archive; older state files lack it (then: any node). */
  node?: string;
  ctime: number;
  size: number;
  /** `vma`, `vma.zst`, `vma.gz`, `vma.lzo`. */
  format?: string;
  subtype?: 'qemu';
  notes?: string;
  protected?: boolean;
  /** The guest's config at backup time: what a restore brings back. */
  config?: Record<string, string>;
}

export interface ClusterState {
  clusterName: string;
  nodes: SimNode[];
  storages: SimStorage[];
  vms: SimVm[];
  tasks: SimTask[];
  backups: SimBackup[];
}

/** Keys whose values PVE never shows in clear text. */
export const MASKED_CONFIG_KEYS = new Set(['cipassword']);
