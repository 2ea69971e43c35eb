import { notFoundConfig, PveHttpError } from '../errors.js';
import type { ClusterState, SimNode, SimStorage, SimVm } from './model.js';
import { baseVolumeName, ownVolumeName, volumesOf } from './vm-config.js';

const FIRST_VMID = 100;

/** Lookups and invariants over the cluster state; handlers change VMs only through these. */
export class Cluster {
  constructor(readonly state: ClusterState) {}

  node(name: string): SimNode | undefined {
    return this.state.nodes.find((n) => n.name === name);
  }

  storage(id: string): SimStorage | undefined {
    return this.state.storages.find((s) => s.id === id);
  }

  findVm(vmid: number): SimVm | undefined {
    return this.state.vms.find((vm) => vm.vmid === vmid);
  }

  /** The VM as addressed by `/nodes/{node}/qemu/{vmid}`: PVE looks only in that node's config folder. */
  vmOn(node: string, vmid: number): SimVm {
    const vm = this.findVm(vmid);
    if (!vm || vm.node !== node) throw notFoundConfig(node, vmid);
    return vm;
  }

  assertUnlocked(vm: SimVm): void {
    const lock = vm.config.lock;
    if (lock) throw new PveHttpError(500, `VM is locked (${lock})`);
  }

  addVm(vm: SimVm): void {
    this.state.vms.push(vm);
  }

  removeVm(vmid: number): void {
    this.state.vms = this.state.vms.filter((vm) => vm.vmid !== vmid);
  }

  nextFreeVmid(): number {
    const taken = new Set(this.state.vms.map((vm) => vm.vmid));
    let id = FIRST_VMID;
    while (taken.has(id)) id++;
    return id;
  }

  isTemplate(vm: SimVm): boolean {
    return vm.config.template === '1';
  }

  /**
   * VMs with a linked clone of the base volume `volid` (`local-lvm:base-9000-disk-0`). A linked clone's volume
   * names its base (`local-lvm:base-9000-disk-0/vm-101-disk-0`), in the config, pending changes, `unusedN`
   * entries or snapshots alike: PVE finds it on the storage, wherever the config refers to it.
   */
  linkedClonesOf(volid: string): SimVm[] {
    const colon = volid.indexOf(':');
    const storage = volid.slice(0, colon);
    const base = ownVolumeName(volid.slice(colon + 1));
    const usesBase = (other: string) => {
      const at = other.indexOf(':');
      return other.slice(0, at) === storage && baseVolumeName(other.slice(at + 1)) === base;
    };
    return this.state.vms.filter((vm) =>
      [vm.config, vm.pending, ...vm.snapshots.map((s) => s.config)].some((config) =>
        volumesOf(config).some(usesBase),
      ),
    );
  }
}
