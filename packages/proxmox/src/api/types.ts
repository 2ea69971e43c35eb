/** A VM's address in the cluster. */
export interface VmRef {
  node: string;
  vmid: number;
}
