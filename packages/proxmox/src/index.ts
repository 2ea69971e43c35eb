export {
  type GuestInterface,
  type GuestIpAddress,
  isGlobalUnicastIpv4,
  isVirtualInterface,
  type PickedAddress,
  pickIpv4,
} from './agent/pick-ipv4';
export { type WaitForIpv4Options, waitForIpv4 } from './agent/wait-for-ipv4';
export type { AgentApi } from './api/agent';
export {
  type PruneBackupsOptions,
  type PruneEntry,
  type PruneParams,
  pruneBackupsProperty,
  type RestoreParams,
  type VzdumpParams,
} from './api/backup';
export type { ClusterResource, ClusterResourceType } from './api/cluster';
export type { NodeSummary } from './api/nodes';
export {
  type CloneParams,
  type DeleteOptions,
  isHibernated,
  type PendingChange,
  type QemuConfig,
  type QemuStatus,
  type TemplateOptions,
} from './api/qemu';
export type { ShutdownOptions, SuspendOptions } from './api/qemu-power';
export type { SnapshotSummary } from './api/snapshot';
export type {
  BackupVolume,
  StorageContentFilter,
  StorageListFilter,
  StorageSummary,
  StorageVolume,
  VolumeAttributes,
  VolumeAttributesUpdate,
} from './api/storage';
export type { TaskLogLine, TaskLogPage, TaskStatus, TasksApi } from './api/tasks';
export type { VmRef } from './api/types';
export type { PveVersionInfo } from './api/version';
export { createProxmoxClient, type ProxmoxClient } from './client';
export { encodeForm, encodeScalar, type FormParams, type FormValue } from './encoding/form';
export {
  type AgentSettings,
  agentProperty,
  type CiCustom,
  ciCustomProperty,
  diskSize,
  type IpConfig,
  ipConfigProperty,
  isIpv4,
  isSnippetVolume,
  memoryValue,
  type NetDevice,
  type NetModel,
  netProperty,
} from './encoding/property-strings';
export { encodeQemuConfig, type QemuConfigUpdate } from './encoding/qemu-config';
export { encodeSshKeys } from './encoding/sshkeys';
export { decodeTags, encodeTags, isValidTag } from './encoding/tags';
export * from './errors/classes';
export { FINGERPRINT_PATTERN, normalizeFingerprint, type TlsOptions } from './http/tls-connector';
export { createLimiter, type Limiter, type LimiterKey, type LimiterOptions } from './limiter';
export { type LockRetryOptions, withLockRetry } from './lock-retry';
export type { LoggerLike } from './logger';
export {
  DEFAULTS,
  type ProxmoxAuth,
  type ProxmoxClientOptions,
  type ProxmoxConnectionSettings,
  type RetryOptions,
  toProxmoxClientOptions,
} from './options';
export { isTaskSuccess, type WaitForTaskOptions, waitForTask } from './tasks/wait-for-task';
export { isUpid, type ParsedUpid, parseUpid, type Upid } from './upid';
export { CLIENT_VERSION, USER_AGENT } from './version';
