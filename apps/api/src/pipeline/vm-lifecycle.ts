// Booting a VM that is not a server's (a game image's build, a warm pool VM), waiting for its address, and
// throwing it away.
import { isProxmoxError, TaskFailedError, type VmRef } from '@guildserver/proxmox';
import type { VmTaskContext } from './context.js';
import { StepFailure } from './failures.js';
import { awaitStartedTask, resumeStartedTask, type TaskMemo } from './task-memo.js';
import { readStatus, waitTask } from './vm-adapter.js';

/** Starts the VM unless it runs; a start task an earlier try sent is waited out first. */
export async function bootVm(ctx: VmTaskContext<TaskMemo>, vm: VmRef): Promise<void> {
  await resumeStartedTask(ctx);
  if ((await readStatus(ctx, vm))?.status === 'running') return;
  try {
    await awaitStartedTask(ctx, await ctx.deps.proxmox.power.start(vm));
  } catch (error) {
    if (!(error instanceof TaskFailedError && /already running/i.test(error.exitstatus))) throw error;
  }
}

/** The IPv4 the guest agent reports, within PROXMOX_TIMEOUT_AGENT (or the runner's deadline). */
export async function waitForAddress(
  ctx: VmTaskContext & { signal: AbortSignal },
  vm: VmRef,
): Promise<{ ip: string; interface: string }> {
  const timeoutMs = ctx.options.networkTimeoutMs ?? ctx.deps.config.proxmox.agentTimeoutSeconds * 1000;
  try {
    return await ctx.deps.proxmox.waitForIpv4(vm, {
      timeoutMs,
      intervalMs: ctx.options.networkPollMs,
      maxIntervalMs: 5 * ctx.options.networkPollMs,
      agentNotConfiguredGraceMs: Math.min(ctx.options.agentGraceMs, timeoutMs),
      signal: ctx.signal,
    });
  } catch (error) {
    if (isProxmoxError(error) && error.code === 'timeout')
      throw new StepFailure(
        'network_timeout',
        `VM ${vm.vmid} reported no IPv4 address within ${Math.round(timeoutMs / 1000)} s; check the base template's guest agent and DHCP.`,
      );
    throw error;
  }
}

/** Stops the VM if it runs (hard: nothing on it is kept), then destroys it with its disks. */
export async function discardVm(ctx: VmTaskContext, vm: VmRef): Promise<void> {
  const { proxmox } = ctx.deps;
  if ((await readStatus(ctx, vm))?.status === 'running')
    await waitTask(ctx, await proxmox.power.stop(vm)).catch((error: unknown) => {
      if (!(error instanceof TaskFailedError)) throw error;
    });
  await waitTask(ctx, await proxmox.qemu.delete(vm, { purge: true, destroyUnreferencedDisks: true }));
}
