// The CLI's only reader of process.env: parsed once, at start.
import { loadProxmoxConfig, type ProxmoxConfig } from '@guildserver/config';

export interface CliEnvironment {
  /** Proxmox settings for `demo` against a real cluster; absent when PROXMOX_HOST is unset. */
  proxmox?: ProxmoxConfig;
  logLevel: string;
}

export function readCliEnvironment(env: NodeJS.ProcessEnv, needProxmox: boolean): CliEnvironment {
  const logLevel = env.LOG_LEVEL?.trim() || 'warn';
  if (!needProxmox) return { logLevel };
  return { logLevel, proxmox: loadProxmoxConfig(env) };
}
