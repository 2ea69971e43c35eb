// Hibernation (suspend to disk) in a VM's config, as qemu-server keeps it: the `vmstate` volume holding the
// saved RAM and device state, and the `running*` keys that pin the machine the VM must resume on
// (QemuConfig::__snapshot_save_vmstate and find_vmstate_storage, QemuServer::vm_start).
import type { Cluster } from './cluster.js';
import type { SimStorage } from './model.js';
import { currentMemoryMiB, disksOf } from './vm-config.js';

const MiB = 1024 * 1024;

/** What PVE records beside `vmstate` when it saves a VM's state, and removes with it. */
export const RUNNING_STATE_KEYS = ['runningmachine', 'runningcpu', 'running-nets-host-mtu'] as const;

/** The QEMU machine version the simulated nodes run (status/current reports QEMU 9.0.2). */
const MACHINE_VERSION = '9.0';

/** Flags of PVE's built-in CPU models (CPUConfig `$builtin_models_by_arch`), reported as qemu64. */
const BUILTIN_CPU_FLAGS: Record<string, string[]> = {
  'x86-64-v2': ['+popcnt', '+pni', '+sse4.1', '+sse4.2', '+ssse3'],
  'x86-64-v2-AES': ['+aes', '+popcnt', '+pni', '+sse4.1', '+sse4.2', '+ssse3'],
  'x86-64-v3': [
    ...['+aes', '+popcnt', '+pni', '+sse4.1', '+sse4.2', '+ssse3', '+avx', '+avx2', '+bmi1', '+bmi2'],
    ...['+f16c', '+fma', '+abm', '+movbe', '+xsave'],
  ],
  'x86-64-v4': [
    ...['+aes', '+popcnt', '+pni', '+sse4.1', '+sse4.2', '+ssse3', '+avx', '+avx2', '+bmi1', '+bmi2'],
    ...['+f16c', '+fma', '+abm', '+movbe', '+xsave', '+avx512f', '+avx512bw', '+avx512cd', '+avx512dq'],
    '+avx512vl',
  ],
};

/** Whether the next start resumes from a saved state rather than booting (vm_start's `resume`). */
export function resumesOnStart(config: Record<string, string>): boolean {
  return config.lock === 'suspended' || config.vmstate !== undefined;
}

/** Removes `vmstate` and what was recorded with it (the lock is the caller's business). */
export function clearSavedState(config: Record<string, string>): void {
  delete config.vmstate;
  for (const key of RUNNING_STATE_KEYS) delete config[key];
}

/**
 * find_vmstate_storage: the config's `vmstatestorage`, else a storage the VM's (non-CD-ROM) drives use — a
 * shared one first, file-based preferred — else `local`.
 */
export function vmstateStorage(cluster: Cluster, config: Record<string, string>): string {
  if (config.vmstatestorage) return config.vmstatestorage;
  let shared: string | undefined;
  let local: string | undefined;
  const used = disksOf(config)
    .filter((disk) => !config[disk.key]!.includes('media=cdrom'))
    .map((disk) => disk.storage);
  for (const id of [...new Set(used)].sort()) {
    const storage = cluster.storage(id);
    if (!storage) continue;
    const fileBased = storage.type === 'dir';
    if (storage.shared) shared = !shared || fileBased ? id : shared;
    else local = !local || fileBased ? id : local;
  }
  return shared ?? local ?? 'local';
}

/** `<storage>:vm-<vmid>-state-suspend-<YYYY-MM-DD>` (local date); file-based storage adds `<vmid>/` and `.raw`. */
export function vmstateVolume(storage: SimStorage, vmid: number, at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`;
  const name = `vm-${vmid}-state-suspend-${date}`;
  return storage.type === 'dir' ? `${storage.id}:${vmid}/${name}.raw` : `${storage.id}:${name}`;
}

/** The state volume's size: twice the memory plus 500 MiB for device state, as __snapshot_save_vmstate allocates. */
export function vmstateSizeBytes(config: Record<string, string>): number {
  return (currentMemoryMiB(config.memory) * 2 + 500) * MiB;
}

/** The versioned machine type a running VM has (`pc-q35-9.0+pve0`), as `runningmachine` records it. */
export function runningMachine(config: Record<string, string>): string {
  const type = (config.machine ?? '').split(',')[0]!.replace(/^type=/, '');
  if (/-\d+(\.\d+)+/.test(type)) return /\+pve\d+/.test(type) ? type : `${type}+pve0`;
  return `${type === 'q35' ? 'pc-q35' : 'pc-i440fx'}-${MACHINE_VERSION}+pve0`;
}

/**
 * The QEMU `-cpu` argument of a running VM on KVM, as `runningcpu` records it (CPUConfig::get_cpu_options, for
 * the options the simulator knows: the model, its built-in flags, the config's `flags`).
 */
export function runningCpu(config: Record<string, string>): string {
  const options = (config.cpu ?? '').split(',');
  const cputype =
    options.find((o) => !o.includes('='))?.trim() || /cputype=([^,]+)/.exec(config.cpu ?? '')?.[1];
  const type = cputype || 'kvm64';
  const model = BUILTIN_CPU_FLAGS[type] ? 'qemu64' : type;
  const flags = new Map<string, string>();
  const add = (flag: string) => flags.set(flag.replace(/^[+-]/, ''), flag);
  if (model === 'kvm64') add('+lahf_lm');
  if (model === 'kvm64' || model === 'kvm32') add('+sep');
  add('+kvm_pv_unhalt');
  add('+kvm_pv_eoi');
  for (const flag of BUILTIN_CPU_FLAGS[type] ?? []) add(flag);
  const vmFlags = options.find((o) => o.startsWith('flags='))?.slice(6);
  for (const flag of vmFlags?.split(';').filter(Boolean) ?? []) add(flag);
  if (model !== 'host') add('enforce');
  const sorted = [...flags.keys()].sort().map((name) => flags.get(name)!);
  return [model, ...sorted].join(',');
}

/**
 * `running-nets-host-mtu` (PVE 9): each VirtIO NIC's effective `host_mtu` — its `mtu` (1: the bridge's, 1500 on
 * the simulated bridges), 0 when none was set.
 */
export function runningNetsHostMtu(config: Record<string, string>): string | undefined {
  const nets = Object.keys(config)
    .filter((key) => /^net\d+$/.test(key) && /^virtio(=|,|$)/.test(config[key]!))
    .sort()
    .map((key) => {
      const mtu = Number(/(?:^|,)mtu=(\d+)/.exec(config[key]!)?.[1] ?? 0);
      return `${key}=${mtu === 1 ? 1500 : mtu}`;
    });
  return nets.length > 0 ? nets.join(',') : undefined;
}
