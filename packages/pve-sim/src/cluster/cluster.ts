import { notFoundConfig, PveHttpError } from '../errors.js';
import type { ClusterState, SimNode, SimStorage, SimVm } from './model.js';

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
}
