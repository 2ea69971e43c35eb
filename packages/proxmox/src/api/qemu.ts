import { diskSize } from '../encoding/property-strings';
import { encodeQemuConfig, type QemuConfigUpdate } from '../encoding/qemu-config';
import { api } from '../http/path';
import type { ProxmoxHttp } from '../http/transport';
import type { Upid } from '../upid';
import type { VmRef } from './types';

export interface CloneParams {
  newid: number;
  /** DNS name. */
  name?: string;
  /** Full copy; default (false) is a linked clone, which needs a template on storage that supports it. */
  full?: boolean;
  /** Target storage — full clones only. */
  storage?: string;
  /** Disk format — full clones only. */
  format?: 'raw' | 'qcow2' | 'vmdk';
  /** Target node. */
  target?: string;
  pool?: string;
  description?: string;
}

/** Config as PVE returns it: flat keys with string or number values (`net0`, `ipconfig0`, `tags`, ...). */
export type QemuConfig = Record<string, string | number | undefined> & {
  name?: string;
  tags?: string;
  /**
   * `clone`, `backup`, `snapshot`, ...; `suspended` (with `vmstate`) while hibernated, `suspending` while the
   * state is written (and after that failed).
   */
  lock?: string;
  digest?: string;
  memory?: string | number;
  cores?: number;
  agent?: string | number;
  /** A hibernated VM's saved state (`local-lvm:vm-101-state-suspend-2026-04-01`); freed when it resumes. */
  vmstate?: string;
  /** The machine type the saved state needs (`pc-q35-9.0+pve0`), recorded with `vmstate`. */
  runningmachine?: string;
  /** The QEMU `-cpu` argument the saved state needs, recorded with `vmstate`. */
  runningcpu?: string;
};

/**
 * Hibernated (suspended to disk; its status is `stopped`): the next start resumes from the saved state rather
 * than booting. PVE's vm_start resumes a VM locked `suspended`, or an unlocked one whose config names a
 * `vmstate`; while the state is being written the lock is `suspending`, and the VM still runs.
 */
export function isHibernated(config: Pick<QemuConfig, 'lock' | 'vmstate'>): boolean {
  return config.lock === 'suspended' || (config.lock === undefined && config.vmstate !== undefined);
}

export interface PendingChange {
  key: string;
  value?: string | number;
  pending?: string | number;
  /** 1 or 2 when a delete is pending. */
  delete?: number;
}

export interface QemuStatus {
  vmid: number;
  /** A hibernated VM is `stopped` (with `lock: suspended`); a paused one `running` (qmpstatus `paused`). */
  status: 'running' | 'stopped';
  /** QMP's run state: `running`, `paused`, `stopped`, ... */
  qmpstatus?: string;
  name?: string;
  lock?: string;
  uptime?: number;
  cpu?: number;
  mem?: number;
  maxmem?: number;
  /** Guest agent enabled in the config (not necessarily alive). */
  agent?: number | boolean;
  tags?: string;
  [key: string]: unknown;
}

export interface TemplateOptions {
  /** Convert only this drive (`scsi0`) to a base volume; allowed on a VM that is already a template. */
  disk?: string;
}

export interface DeleteOptions {
  /** Also remove from backup jobs, replication, HA and ACLs. */
  purge?: boolean;
  destroyUnreferencedDisks?: boolean;
}

export function qemuApi(http: ProxmoxHttp) {
  return {
    /**
     * Clone → UPID (task type `qmclone`). Sent exactly once, never retried by the client: a failed clone may
     * or may not have created the VM. A storage lock time-out (`lock_timeout`) means nothing was created and
     * the caller may retry — use the limiter and `withLockRetry` for that.
     */
    clone: (template: VmRef, params: CloneParams): Promise<Upid> =>
      http.call({
        method: 'POST',
        path: api`/nodes/${template.node}/qemu/${template.vmid}/clone`,
        body: { ...params },
        retry: 'never',
      }),

    /**
     * Convert a stopped VM into a template → UPID (task type `qmtemplate`): `template: 1`, and its disks become
     * base volumes (`vm-N-disk-M` → `base-N-disk-M`) that linked clones back onto. Refused with a 500 while the
     * VM runs, is locked (`vm_locked`), has snapshots, or already is a template (without `disk`). Sent once,
     * never retried: once sent the VM may have become a template, and a second call is refused.
     */
    convertToTemplate: (vm: VmRef, options: TemplateOptions = {}): Promise<Upid> =>
      http.call({
        method: 'POST',
        path: api`/nodes/${vm.node}/qemu/${vm.vmid}/template`,
        body: { disk: options.disk },
        retry: 'never',
      }),

    getConfig: (vm: VmRef, options: { current?: boolean } = {}): Promise<QemuConfig> =>
      http.call({ method: 'GET', path: api`/nodes/${vm.node}/qemu/${vm.vmid}/config`, query: options }),

    /** Asynchronous config change (`POST`): PVE may answer a UPID, or null when nothing needed a task. */
    updateConfigAsync: async (vm: VmRef, update: QemuConfigUpdate): Promise<Upid | null> =>
      (await http.call<Upid | null>({
        method: 'POST',
        path: api`/nodes/${vm.node}/qemu/${vm.vmid}/config`,
        body: encodeQemuConfig(update),
      })) ?? null,

    /** Synchronous config change (`PUT`). */
    updateConfig: async (vm: VmRef, update: QemuConfigUpdate): Promise<void> => {
      await http.call({
        method: 'PUT',
        path: api`/nodes/${vm.node}/qemu/${vm.vmid}/config`,
        body: encodeQemuConfig(update),
      });
    },

    pending: (vm: VmRef): Promise<PendingChange[]> =>
      http.call({ method: 'GET', path: api`/nodes/${vm.node}/qemu/${vm.vmid}/pending` }),

    /** `size` is absolute (`32G`) or an increment (`+10G`). UPID from PVE 8.0, null on 7.x. */
    resize: async (vm: VmRef, disk: string, size: string): Promise<Upid | null> =>
      (await http.call<Upid | null>({
        method: 'PUT',
        path: api`/nodes/${vm.node}/qemu/${vm.vmid}/resize`,
        body: { disk, size: diskSize(size) },
      })) ?? null,

    status: (vm: VmRef): Promise<QemuStatus> =>
      http.call({ method: 'GET', path: api`/nodes/${vm.node}/qemu/${vm.vmid}/status/current` }),

    /** Destroy → UPID. Fails with 500 while the VM runs. Check our tags before calling this. */
    delete: (vm: VmRef, options: DeleteOptions = {}): Promise<Upid> =>
      http.call({
        method: 'DELETE',
        path: api`/nodes/${vm.node}/qemu/${vm.vmid}`,
        query: { purge: options.purge, 'destroy-unreferenced-disks': options.destroyUnreferencedDisks },
      }),

    /** Rebuild the cloud-init drive from the current config (needed when config changed after first boot). */
    regenerateCloudInit: async (vm: VmRef): Promise<void> => {
      await http.call({ method: 'PUT', path: api`/nodes/${vm.node}/qemu/${vm.vmid}/cloudinit` });
    },
  };
}
