import { InvalidArgumentError } from 'commander';
import type { SimProfile, SimTokenSpec, SimulatorOptions } from './api.js';
import { PVE_VERSIONS, type PveVersion } from './schema/types.js';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidArgumentError('it must be a whole number from 0 to 65535.');
  return port;
}

export function parseVersion(value: string): PveVersion {
  if (!(PVE_VERSIONS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`it must be one of ${PVE_VERSIONS.join(', ')}.`);
  }
  return value as PveVersion;
}

export function parseProfile(value: string): SimProfile {
  if (value !== 'fast' && value !== 'realistic')
    throw new InvalidArgumentError('it must be fast or realistic.');
  return value;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('it must be a number above 0.');
  return n;
}

export function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('it must be a whole number, 0 or more.');
  return Number(value);
}

const TOKEN_FORM = /^([A-Za-z0-9._-]+@[A-Za-z0-9._-]+![A-Za-z][A-Za-z0-9._-]*)=(\S+)$/;

/** `user@realm!tokenid=secret`; never echoes the secret back in an error. */
export function collectToken(value: string, previous: SimTokenSpec[]): SimTokenSpec[] {
  const match = TOKEN_FORM.exec(value);
  if (!match)
    throw new InvalidArgumentError(
      "it must look like 'user@realm!tokenid=secret', e.g. 'root@pam!guildserver=3f1c...'.",
    );
  return [...previous, { id: match[1]!, secret: match[2]! }];
}

export interface CliOptions {
  host: string;
  port: number;
  tls: boolean;
  pveVersion: PveVersion;
  token: SimTokenSpec[];
  profile: SimProfile;
  timeScale: number;
  state?: string;
  authDelay: number;
  lockSlots: number;
  caOut?: string;
  backend: 'simulated' | 'qemu';
  vmDir?: string;
  snippetsDir?: string;
  accel: 'auto' | 'kvm' | 'tcg';
}

export function parseBackend(value: string): CliOptions['backend'] {
  if (value !== 'simulated' && value !== 'qemu')
    throw new InvalidArgumentError('it must be simulated or qemu.');
  return value;
}

export function parseAccel(value: string): CliOptions['accel'] {
  if (value !== 'auto' && value !== 'kvm' && value !== 'tcg')
    throw new InvalidArgumentError('it must be auto, kvm or tcg.');
  return value;
}

export function toSimulatorOptions(cli: CliOptions): SimulatorOptions {
  return {
    host: cli.host,
    port: cli.port,
    tls: cli.tls,
    pveVersion: cli.pveVersion,
    tokens: cli.token.length > 0 ? cli.token : undefined,
    profile: cli.profile,
    timeScale: cli.timeScale,
    statePath: cli.state,
    authFailureDelayMs: cli.authDelay,
    storageLockSlots: cli.lockSlots,
  };
}
