// Thin Proxmox reads and waits the steps share: "not found" becomes undefined, task waits use the runner's
// intervals. No decisions here.
import {
  isProxmoxError,
  type QemuConfig,
  type QemuStatus,
  type TaskStatus,
  type Upid,
  type VmRef,
} from '@guildserver/proxmox';
import { pollUntil } from '@guildserver/timing';
import type { VmTaskContext } from './context.js';
import { StepFailure } from './failures.js';

export async function readConfig(ctx: VmTaskContext, vm: VmRef): Promise<QemuConfig | undefined> {
  try {
    return await ctx.deps.proxmox.qemu.getConfig(vm);
  } catch (error) {
    if (isProxmoxError(error) && error.code === 'not_found') return undefined;
    throw error;
  }
}

export async function readStatus(ctx: VmTaskContext, vm: VmRef): Promise<QemuStatus | undefined> {
  try {
    return await ctx.deps.proxmox.qemu.status(vm);
  } catch (error) {
    if (isProxmoxError(error) && error.code === 'not_found') return undefined;
    throw error;
  }
}

/** Whether any VM in the cluster has this id (`/cluster/nextid?vmid=`; works while a node is offline). */
export async function vmidTaken(ctx: VmTaskContext, vmid: number): Promise<boolean> {
  try {
    await ctx.deps.proxmox.cluster.nextId(vmid);
    return false;
  } catch (error) {
    if (isProxmoxError(error) && error.code === 'already_exists') return true;
    throw error;
  }
}

export function waitTask(
  ctx: VmTaskContext,
  upid: Upid,
  timeoutMs = ctx.options.taskTimeoutMs,
): Promise<TaskStatus> {
  return ctx.deps.proxmox.waitForTask(upid, {
    timeoutMs,
    intervalMs: ctx.options.taskPollMs,
    maxIntervalMs: ctx.options.taskMaxPollMs,
    signal: ctx.signal,
  });
}

/** Waits while the VM holds `lock` (a task a crashed try started: `backup`, `create` for a restore). */
export async function waitWhileLocked(ctx: VmTaskContext, vm: VmRef, lock: string): Promise<void> {
  await pollUntil(async () => ((await readConfig(ctx, vm))?.lock === lock ? undefined : true), {
    timeoutMs: ctx.options.taskTimeoutMs,
    intervalMs: ctx.options.lockPollMs,
    signal: ctx.signal,
    onTimeout: () =>
      new StepFailure(
        'proxmox_busy',
        `VM ${vm.vmid} stayed locked (${lock}) longer than ${Math.round(ctx.options.taskTimeoutMs / 1000)} s.`,
      ),
  });
}

/** Waits while a clone holds the VM; resolves with the config once unlocked, or undefined when it vanished. */
export async function waitCloneUnlocked(
  ctx: VmTaskContext,
  vm: VmRef,
  timeoutMs: number,
): Promise<QemuConfig | undefined> {
  let announced = false;
  const unlocked = await pollUntil(
    async () => {
      const config = await readConfig(ctx, vm);
      if (config?.lock !== 'clone') return { config };
      if (!announced) {
        ctx.progress(`VM ${vm.vmid} is still being cloned; waiting for the clone to finish.`);
        announced = true;
      }
      return undefined;
    },
    {
      timeoutMs,
      intervalMs: ctx.options.lockPollMs,
      signal: ctx.signal,
      onTimeout: () =>
        new StepFailure(
          'clone_failed',
          `VM ${vm.vmid} was still locked by its clone after ${Math.round(timeoutMs / 1000)} s.`,
        ),
    },
  );
  return unlocked.config;
}
