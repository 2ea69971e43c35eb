import type { SimProfile } from './api.js';

/** How long simulated work takes, in milliseconds before the time scale is applied. */
export interface Durations {
  cloneLinked: number;
  cloneFull: number;
  config: number;
  start: number;
  stop: number;
  shutdown: number;
  reboot: number;
  /** Saving a running VM's state to disk (`qmsuspend` with `todisk`). */
  hibernate: number;
  destroy: number;
  resize: number;
  vzdump: number;
  /** qmrestore of a backup archive. */
  restore: number;
  /** Removing a volume (`imgdel`) or pruning backups. */
  volumeDelete: number;
  snapshot: number;
  /** Converting a VM into a template (`qmtemplate`: its disks become base volumes). */
  template: number;
  /** From start until the guest agent answers. */
  agentBoot: number;
  /** From agent up until DHCP gives eth0 its IPv4. */
  dhcp: number;
  /** How long a clone waits for a busy storage lock before failing with the lock time-out. */
  storageLockWait: number;
}

const FAST: Durations = {
  cloneLinked: 60,
  cloneFull: 150,
  config: 10,
  start: 40,
  stop: 20,
  shutdown: 40,
  reboot: 60,
  hibernate: 40,
  destroy: 30,
  resize: 10,
  vzdump: 80,
  restore: 80,
  volumeDelete: 10,
  snapshot: 30,
  template: 20,
  agentBoot: 60,
  dhcp: 40,
  storageLockWait: 30,
};

const REALISTIC: Durations = {
  cloneLinked: 6_000,
  cloneFull: 35_000,
  config: 800,
  start: 4_000,
  stop: 2_000,
  shutdown: 9_000,
  reboot: 12_000,
  hibernate: 8_000,
  destroy: 3_000,
  resize: 1_500,
  vzdump: 45_000,
  restore: 40_000,
  volumeDelete: 1_000,
  snapshot: 3_000,
  template: 2_000,
  agentBoot: 18_000,
  dhcp: 4_000,
  storageLockWait: 10_000,
};

export function durationsFor(profile: SimProfile, timeScale: number): Durations {
  const base = profile === 'realistic' ? REALISTIC : FAST;
  const scaled = {} as Durations;
  for (const [key, ms] of Object.entries(base) as [keyof Durations, number][]) {
    scaled[key] = Math.round(ms * timeScale);
  }
  return scaled;
}
