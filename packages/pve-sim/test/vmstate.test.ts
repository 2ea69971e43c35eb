import { describe, expect, it } from 'vitest';
import { Cluster } from '../src/cluster/cluster.js';
import { seedCluster } from '../src/cluster/seed.js';
import {
  resumesOnStart,
  runningCpu,
  runningMachine,
  runningNetsHostMtu,
  vmstateSizeBytes,
  vmstateStorage,
  vmstateVolume,
} from '../src/cluster/vmstate.js';

describe('hibernation bookkeeping', () => {
  it('records the -cpu argument as CPUConfig prints it', () => {
    expect(runningCpu({})).toBe('kvm64,enforce,+kvm_pv_eoi,+kvm_pv_unhalt,+lahf_lm,+sep');
    expect(runningCpu({ cpu: 'host' })).toBe('host,+kvm_pv_eoi,+kvm_pv_unhalt');
    expect(runningCpu({ cpu: 'x86-64-v2-AES' })).toBe(
      'qemu64,+aes,enforce,+kvm_pv_eoi,+kvm_pv_unhalt,+pni,+popcnt,+sse4.1,+sse4.2,+ssse3',
    );
    expect(runningCpu({ cpu: 'cputype=host,flags=+pcid;-md-clear' })).toBe(
      'host,+kvm_pv_eoi,+kvm_pv_unhalt,-md-clear,+pcid',
    );
  });

  it('records a versioned machine type', () => {
    expect(runningMachine({ machine: 'q35' })).toBe('pc-q35-9.0+pve0');
    expect(runningMachine({})).toBe('pc-i440fx-9.0+pve0');
    expect(runningMachine({ machine: 'pc-q35-8.1' })).toBe('pc-q35-8.1+pve0');
    expect(runningMachine({ machine: 'type=pc-i440fx-8.0+pve1,viommu=virtio' })).toBe('pc-i440fx-8.0+pve1');
  });

  it('picks the state storage as find_vmstate_storage does and names the volume by the local date', () => {
    const cluster = new Cluster(seedCluster());
    const disks = {
      scsi0: 'local-lvm:vm-101-disk-0,size=4G',
      ide2: 'local:iso/debian.iso,media=cdrom',
    };
    expect(vmstateStorage(cluster, disks)).toBe('local-lvm');
    expect(vmstateStorage(cluster, { ...disks, vmstatestorage: 'lvm-thick' })).toBe('lvm-thick');
    expect(vmstateStorage(cluster, {})).toBe('local');
    const at = new Date(2026, 3, 1, 23, 59);
    expect(vmstateVolume(cluster.storage('local-lvm')!, 101, at)).toBe(
      'local-lvm:vm-101-state-suspend-2026-04-01',
    );
    expect(vmstateVolume(cluster.storage('local')!, 101, at)).toBe(
      'local:101/vm-101-state-suspend-2026-04-01.raw',
    );
  });

  it('sizes the state at twice the memory plus 500 MiB', () => {
    expect(vmstateSizeBytes({ memory: 'current=1024' })).toBe(2548 * 1024 * 1024);
    expect(vmstateSizeBytes({})).toBe(1524 * 1024 * 1024);
  });

  it('lists VirtIO NICs with their host MTU', () => {
    expect(
      runningNetsHostMtu({
        net1: 'e1000=BC:24:11:00:00:02,bridge=vmbr0',
        net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0',
        net2: 'virtio,bridge=vmbr1,mtu=9000',
      }),
    ).toBe('net0=0,net2=9000');
    expect(runningNetsHostMtu({})).toBeUndefined();
  });

  it('resumes at the next start when locked suspended or when a vmstate is named', () => {
    expect(resumesOnStart({ lock: 'suspended' })).toBe(true);
    expect(resumesOnStart({ vmstate: 'local-lvm:vm-1-state-suspend-2026-04-01' })).toBe(true);
    expect(resumesOnStart({ lock: 'backup' })).toBe(false);
  });
});
