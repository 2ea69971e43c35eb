export type { AccelChoice } from '@guildserver/lab';
export { type LabBackend, type LabBackendOptions, startLabBackend } from './lab.js';
export { missingLabTools } from './lab-tools.js';
export {
  type BackendLogger,
  createQemuBackend,
  type LabNetwork,
  type QemuBackendOptions,
} from './qemu-backend.js';
