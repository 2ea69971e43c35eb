// The simulator's public, in-process API (what tests, the demo and benchmarks use).
import type { VmBackend } from './backend.js';
import type { PveVersion } from './schema/types.js';

export type { PveVersion } from './schema/types.js';

/** Privileges per ACL path for one token; a token without `acl` has every privilege (like root@pam). */
export interface SimTokenSpec {
  /** Full token id, `user@realm!tokenname`. */
  id: string;
  secret: string;
  /** e.g. `{ '/vms': ['VM.Allocate', 'VM.Audit'], '/vms/9000': ['VM.Clone'] }`; paths propagate to children. */
  acl?: Record<string, string[]>;
}

export type SimProfile = 'fast' | 'realistic';

export interface SimulatorOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Serve HTTPS with a fresh self-signed certificate; its SHA-256 fingerprint is in `fingerprint`. */
  tls?: boolean;
  pveVersion?: PveVersion;
  /** Accepted API tokens; defaults to DEFAULT_SIM_TOKEN. */
  tokens?: SimTokenSpec[];
  /** Accepted user/password pairs for ticket auth (`POST /access/ticket`), e.g. `{ 'root@pam': 'secret' }`. */
  users?: Record<string, string>;
  profile?: SimProfile;
  /** Multiplies every simulated duration (0.1 = ten times faster). */
  timeScale?: number;
  /** Delay before answering 401 on bad credentials; PVE waits about 3 s. */
  authFailureDelayMs?: number;
  /** Load state from and save it to this JSON file. */
  statePath?: string;
  /** How many clones may hold one storage's lock at once before later ones fail with the lock time-out. */
  storageLockSlots?: number;
  /** Additionally validate every request against these versions' schemas and record violations. */
  crossCheckVersions?: PveVersion[];
  /** Folder holding apidata-pve*.json (defaults to shared/reference/proxmox beside the repository). */
  schemaDir?: string;
  /** Number of extra (non-template) VMs to create at start, for benchmarks. */
  seedVms?: number;
  /** What makes the machines; default the simulated backend (nothing real). See `createQemuBackend`. */
  backend?: VmBackend;
}

export interface SchemaViolation {
  version: PveVersion;
  method: string;
  path: string;
  userAgent: string | undefined;
  errors: Record<string, string>;
}

export const DEFAULT_SIM_TOKEN: SimTokenSpec = {
  id: 'root@pam!guildserver',
  secret: '5f0c1e2a-9d7b-4c3e-8a61-2b4f6d8e0c11',
};
