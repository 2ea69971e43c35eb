export {
  type Accel,
  type AccelChoice,
  type Accelerator,
  chooseAccel,
  detectAccelerator,
  type KvmProbe,
  probeKvm,
} from './accelerator.js';
export * from './addresses.js';
export { type AptCacheProxy, startAptCacheProxy } from './apt-cache-proxy.js';
export { cacheDir } from './cache-dir.js';
export {
  budgetSeconds,
  type Deadline,
  type DeadlineOptions,
  type Expected,
  type Host,
  recordPace,
  slowdown,
  startDeadline,
  testTimeoutMs,
  thisHost,
  waitUntil,
} from './deadline.js';
export type { DhcpLease } from './dnsmasq.js';
export {
  cleanupStaleLab,
  DEFAULT_LAB_STATE_DIR,
  type LabNetwork,
  type LabNetworkOptions,
  missingLabNetworkTools,
  startLabNetwork,
} from './network.js';
export { missingCommands } from './run.js';
export {
  type BuildTemplateOptions,
  buildTemplate,
  missingTemplateTools,
  TEMPLATE_BUILD_TIME,
  type TemplateImage,
} from './template.js';
export { KERNEL_APPEND, ROOT_LABEL, recipeHash } from './template-recipe.js';
