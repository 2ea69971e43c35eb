import type { VmBackend } from '../backend.js';
import type { Cluster } from '../cluster/cluster.js';
import type { SimVm } from '../cluster/model.js';
import type { StorageLocks } from '../cluster/storage-locks.js';
import type { FaultController } from '../faults.js';
import type { Durations } from '../profiles.js';
import type { PveVersion } from '../schema/types.js';
import type { TaskRunner } from '../tasks/runner.js';

/** Everything a handler may use; one instance per simulator. */
export interface SimContext {
  version: PveVersion;
  cluster: Cluster;
  tasks: TaskRunner;
  faults: FaultController;
  durations: Durations;
  storageLocks: StorageLocks;
  /** What makes the machines: `simulated` (the state is all there is) or `qemu` (real images and processes). */
  backend: VmBackend;
  /** Waits for simulated work, honouring the slow-task fault. */
  work(ms: number): Promise<void>;
  /** Marks the state changed (saved to the state file, if any). */
  changed(): void;
  /** Types a stored config value the way PVE's JSON output does, from the schema. */
  typeConfigValue(key: string, value: string): unknown;
}

export interface Call {
  sim: SimContext;
  /** Validated parameters (path, query and body merged, coerced by the schema). */
  params: Record<string, unknown>;
  /** The authenticated user or token id, as it appears in UPIDs (`root@pam!guildserver`). */
  user: string;
}

export type Handler = (call: Call) => unknown | Promise<unknown>;

export const str = (params: Record<string, unknown>, key: string): string | undefined => {
  const value = params[key];
  return value === undefined || value === null ? undefined : String(value);
};

export const num = (params: Record<string, unknown>, key: string): number | undefined => {
  const value = params[key];
  return value === undefined || value === null ? undefined : Number(value);
};

export const flag = (params: Record<string, unknown>, key: string): boolean => {
  const value = params[key];
  return value === 1 || value === true || value === '1';
};

/** The VM a `/nodes/{node}/qemu/{vmid}/...` call addresses (500 "does not exist" when it is not on that node). */
export const vmOf = ({ sim, params }: Call): SimVm =>
  sim.cluster.vmOn(str(params, 'node')!, num(params, 'vmid')!);
