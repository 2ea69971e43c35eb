export type { PveVersion, SchemaViolation, SimProfile, SimTokenSpec, SimulatorOptions } from './api.js';
export { DEFAULT_SIM_TOKEN } from './api.js';
export {
  type AgentCommand,
  AgentNotRunningError,
  createSimulatedBackend,
  type VmBackend,
} from './backend.js';
export type { ClusterState, SimTask, SimVm } from './cluster/model.js';
export { FaultController, type FaultDescription } from './faults.js';
export { type Durations, durationsFor } from './profiles.js';
export {
  type AccelChoice,
  createQemuBackend,
  type LabBackend,
  type LabBackendOptions,
  missingLabTools,
  type QemuBackendOptions,
  startLabBackend,
} from './qemu/index.js';
export { type RunningSimulator, schemaViolationsInProcess, startSimulator } from './simulator.js';
