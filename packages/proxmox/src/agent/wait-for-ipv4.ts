import { pollUntil } from '@guildserver/timing';
import type { AgentApi } from '../api/agent';
import type { VmRef } from '../api/types';
import {
  AgentNotConfiguredError,
  AgentNotRunningError,
  TimeoutError,
  VmLockedError,
  VmNotRunningError,
} from '../errors/classes';
import { type PickedAddress, pickIpv4 } from './pick-ipv4';

export interface WaitForIpv4Options {
  /** Default 5 min. */
  timeoutMs?: number;
  /** First poll interval; grows ×1.5 up to maxIntervalMs. Default 1 s. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /**
   * How long `No QEMU guest agent configured` counts as "not yet". It is permanent when the config has no
   * `agent`, but right after the pipeline set `agent=1` a node may still answer it, so it is tolerated for
   * this long and then thrown as `agent_not_configured`. Default 30 s.
   */
  agentNotConfiguredGraceMs?: number;
  signal?: AbortSignal;
}

/**
 * Polls `agent/network-get-interfaces` until a global-unicast IPv4 on a real NIC appears. "Not yet" answers
 * (VM not running, agent not running or timing out, no addresses yet, VM still locked) are waited out.
 */
export async function waitForIpv4(
  agent: AgentApi,
  vm: VmRef,
  options: WaitForIpv4Options = {},
): Promise<PickedAddress> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 300_000;
  const graceMs = options.agentNotConfiguredGraceMs ?? 30_000;
  let lastState = 'no answer yet';
  return pollUntil(
    async () => {
      try {
        const picked = pickIpv4(await agent.networkGetInterfaces(vm, options.signal));
        if (picked) return picked;
        lastState = 'agent answered without a global IPv4 address';
      } catch (error) {
        if (error instanceof AgentNotConfiguredError && Date.now() - started >= graceMs) throw error;
        if (!isNotYet(error)) throw error;
        lastState = (error as Error).message;
      }
      return undefined;
    },
    {
      timeoutMs,
      intervalMs: options.intervalMs ?? 1_000,
      maxIntervalMs: options.maxIntervalMs ?? 5_000,
      signal: options.signal,
      onTimeout: () =>
        new TimeoutError(
          `VM ${vm.vmid} on ${vm.node} reported no IPv4 address within ${Math.round(timeoutMs / 1000)} s (last: ${lastState})`,
        ),
    },
  );
}

function isNotYet(error: unknown): boolean {
  return (
    error instanceof AgentNotConfiguredError ||
    error instanceof AgentNotRunningError ||
    error instanceof VmNotRunningError ||
    error instanceof VmLockedError
  );
}
