// The create steps that build the VM: verify_vmid, clone, configure, resize_disk, start_vm, wait_network.
// Each reads what exists first, so running it again after a crash at any point does no harm.
import {
  isProxmoxError,
  LockTimeoutError,
  TaskFailedError,
  type VmRef,
  withLockRetry,
} from '@guildserver/proxmox';
import { now } from '../../domain/ids.js';
import { claimFreeVmid, noFreeVmidMessage } from '../../domain/vmid-claims.js';
import type { Step, StepContext, StepOutcome } from '../context.js';
import { type CloneMemo, decideClone, decideResize, decideVmid } from '../decisions.js';
import { StepFailure } from '../failures.js';
import { readServer, recordServerFacts, replaceVmid } from '../job-store.js';
import { descriptionMarker, isOurs, ownershipOf, vmName } from '../ownership.js';
import { awaitStartedTask, resumeStartedTask, type TaskMemo } from '../task-memo.js';
import { readConfig, readStatus, vmidTaken, waitCloneUnlocked, waitTask } from '../vm-adapter.js';
import { configChanges, describeVm, desiredVm, diskBytes } from '../vm-spec.js';

const VMID_TRIES = 20;

export function vmOf(ctx: StepContext): VmRef {
  const vmid = readServer(ctx.deps.db, ctx.server.id).vmid;
  if (vmid === null)
    throw new StepFailure(
      'vmid_unavailable',
      'The server has no VM id reserved; retry the create to reserve one.',
    );
  return { node: ctx.node, vmid };
}

const cloneTimeoutMs = (ctx: StepContext) =>
  ctx.options.cloneTimeoutMs ?? ctx.deps.config.proxmox.cloneTimeoutSeconds * 1000;

/** verify_vmid: the reserved id is free at Proxmox or already holds our VM; a foreign VM there → another id. */
export const verifyVmid: Step = { name: 'verify_vmid', failure: 'vmid_unavailable', run: runVerifyVmid };

async function runVerifyVmid(ctx: StepContext): Promise<StepOutcome> {
  const { db, config } = ctx.deps;
  const skip = new Set<number>();
  const cloneMemo = ctx.memoOf(clone);
  const cloneRequested = cloneMemo.requestedAt !== undefined || cloneMemo.upid !== undefined;
  for (let attempt = 0; attempt < VMID_TRIES; attempt++) {
    const server = readServer(db, ctx.server.id);
    let vmid = server.vmid;
    if (vmid === null) {
      vmid = await nextCandidate(ctx, skip, null);
      continue;
    }
    if (!(await vmidTaken(ctx, vmid))) return { detail: `VM id ${vmid} is free at Proxmox.` };
    const vmConfig = await readConfig(ctx, { node: ctx.node, vmid });
    // Taken, but not on our node: someone else's VM elsewhere in the cluster.
    const ownership = vmConfig ? ownershipOf(server.id, vmConfig) : 'foreign';
    const decision = decideVmid(ownership, cloneRequested);
    if (decision.action === 'resume')
      return { detail: `VM ${vmid} is already this server's; picking up where it was.` };
    if (decision.action === 'use') return { detail: `VM id ${vmid} is free at Proxmox.` };
    skip.add(vmid);
    const next = await nextCandidate(ctx, skip, vmid);
    ctx.progress(`VM id ${vmid} holds a VM GuildServer did not make; using ${next} instead.`, {
      from: vmid,
      to: next,
    });
  }
  throw new StepFailure('vmid_unavailable', noFreeVmidMessage(config.vmidRange));

  /** Moves the server's reservation from `old` to the lowest free id not skipped. */
  async function nextCandidate(c: StepContext, skipped: Set<number>, old: number | null): Promise<number> {
    const next = await claimFreeVmid(
      c.deps.db,
      config.vmidRange,
      () => skipped,
      (candidate) => replaceVmid(c.deps.db, c.server.id, old, candidate),
    );
    if (next === undefined) throw new StepFailure('vmid_unavailable', noFreeVmidMessage(config.vmidRange));
    return next;
  }
}

type CloneStepMemo = CloneMemo & { taskFinished?: boolean };

/** clone: template → our VM id, inside the node/storage limiter, lock time-outs retried; never a blind second clone. */
export const clone: Step<CloneStepMemo> = { name: 'clone', failure: 'clone_failed', run: runClone };

async function runClone(ctx: StepContext<CloneStepMemo>): Promise<StepOutcome> {
  const vm = vmOf(ctx);
  const { config } = ctx.deps;
  let cloned = false;
  for (let round = 0; round < 10; round++) {
    const { memo } = ctx;
    const existing = await readConfig(ctx, vm);
    const decision = decideClone(
      ownershipOf(ctx.server.id, existing),
      memo,
      vm.vmid,
      memo.taskFinished === true,
    );
    switch (decision.action) {
      case 'done':
        return {
          detail: cloned
            ? `Cloned template ${config.proxmox.baseImageVmid} into VM ${vm.vmid} (${vmName(ctx.server.id)}).`
            : `VM ${vm.vmid} was already cloned.`,
        };
      case 'fail':
        throw new StepFailure(decision.code, decision.message);
      case 'wait_unlock':
        await waitCloneUnlocked(ctx, vm, cloneTimeoutMs(ctx));
        ctx.remember({ taskFinished: true });
        break;
      case 'wait_task':
        await waitForEarlierClone(ctx, decision.upid);
        break;
      case 'clone':
        await sendClone(ctx, vm);
        cloned = true;
        break;
    }
  }
  throw new StepFailure(
    'clone_failed',
    `VM ${vm.vmid} did not settle after cloning; an admin should look at it.`,
  );
}

async function waitForEarlierClone(ctx: StepContext<CloneStepMemo>, upid: string): Promise<void> {
  try {
    await waitTask(ctx, upid, cloneTimeoutMs(ctx));
  } catch (error) {
    // Its outcome is read from what exists next round; only "cannot tell yet" is passed on.
    if (!(error instanceof TaskFailedError || error instanceof LockTimeoutError)) throw error;
  }
  ctx.remember({ taskFinished: true });
}

async function sendClone(ctx: StepContext<CloneStepMemo>, vm: VmRef): Promise<void> {
  const { proxmox, limiter, config } = ctx.deps;
  const template = { node: config.proxmox.node, vmid: config.proxmox.baseImageVmid };
  const { attempts, baseDelayMs, maxDelayMs } = ctx.options.lockRetry;
  try {
    await limiter.run({ node: vm.node, storage: config.proxmox.storage }, () =>
      withLockRetry(
        async () => {
          ctx.remember({ requestedAt: now(), upid: undefined, taskFinished: false });
          const upid = await proxmox.qemu.clone(template, {
            newid: vm.vmid,
            name: vmName(ctx.server.id),
            description: describeVm(ctx.server, ctx.game),
          });
          ctx.remember({ upid });
          try {
            await waitTask(ctx, upid, cloneTimeoutMs(ctx));
          } finally {
            ctx.remember({ taskFinished: true });
          }
        },
        {
          attempts,
          baseDelayMs,
          maxDelayMs,
          signal: ctx.signal,
          onRetry: (_error, attempt, delayMs) =>
            ctx.progress(
              `The storage ${config.proxmox.storage} is busy with other clones; trying again in ${Math.ceil(delayMs / 1000)} s (try ${attempt + 1}).`,
              { attempt },
            ),
        },
      ),
    );
  } catch (error) {
    // Never a blind retry: first look at what exists at the id.
    const after = await readConfig(ctx, vm);
    if (after && isOurs(ownershipOf(ctx.server.id, after))) return;
    if (after) return; // locked or foreign: the next round decides (wait it out, or fail as a conflict)
    if (error instanceof TaskFailedError) {
      throw new StepFailure('clone_failed', `Cloning template ${template.vmid} failed: ${error.exitstatus}.`);
    }
    throw error;
  }
}

/** configure: one POST with only what differs from the wanted config (tags and marker included). */
export const configure: Step<TaskMemo> = {
  name: 'configure',
  failure: 'configure_failed',
  run: runConfigure,
};

async function runConfigure(ctx: StepContext<TaskMemo>): Promise<StepOutcome> {
  const vm = vmOf(ctx);
  await resumeStartedTask(ctx);
  let current = await readConfig(ctx, vm);
  if (current?.lock === 'clone') current = await waitCloneUnlocked(ctx, vm, cloneTimeoutMs(ctx));
  const ownership = ownershipOf(ctx.server.id, current);
  if (!current || ownership === 'absent') {
    throw new StepFailure('vm_missing', `VM ${vm.vmid} disappeared before it was configured.`);
  }
  if (!isOurs(ownership)) {
    throw new StepFailure(
      'vm_not_ours',
      `VM ${vm.vmid} carries neither this server's tag nor its marker (${descriptionMarker(ctx.server.id)}); it is left untouched.`,
    );
  }
  const desired = desiredVm(ctx.server, ctx.game, ctx.deps.config.proxmox);
  const update = configChanges(current, desired);
  const summary = `${desired.cores} cores, ${desired.memory} MiB, CPU ${desired.cpu}, ${desired.bridge}${desired.vlanTag ? ` VLAN ${desired.vlanTag}` : ''}, DHCP, tagged ${desired.tags.join(';')}`;
  if (!update) return { detail: `Already configured: ${summary}.` };
  const upid = await ctx.deps.proxmox.qemu.updateConfigAsync(vm, update);
  if (upid) await awaitStartedTask(ctx, upid);
  return { detail: `Configured ${summary}.` };
}

/** resize_disk: grow scsi0 to the server's size; never shrink. */
export const resizeDisk: Step<TaskMemo> = {
  name: 'resize_disk',
  failure: 'resize_failed',
  run: runResizeDisk,
};

async function runResizeDisk(ctx: StepContext<TaskMemo>): Promise<StepOutcome> {
  const vm = vmOf(ctx);
  await resumeStartedTask(ctx);
  const current = await readConfig(ctx, vm);
  requireOurs(ctx, current, vm);
  if (current?.scsi0 === undefined) {
    throw new StepFailure(
      'resize_failed',
      `VM ${vm.vmid} has no scsi0 disk; the template must keep its system disk on scsi0.`,
    );
  }
  const decision = decideResize(diskBytes(current.scsi0), ctx.server.diskGiB);
  if (decision.action === 'keep') return { detail: decision.detail };
  const upid = await ctx.deps.proxmox.qemu.resize(vm, 'scsi0', decision.size);
  if (upid) await awaitStartedTask(ctx, upid);
  return { detail: `Grew the disk to ${ctx.server.diskGiB} GiB.` };
}

function requireOurs(
  ctx: StepContext,
  current: { tags?: string; description?: string | number; lock?: string } | undefined,
  vm: VmRef,
): void {
  const ownership = ownershipOf(ctx.server.id, current);
  if (ownership === 'absent')
    throw new StepFailure('vm_missing', `VM ${vm.vmid} no longer exists at Proxmox.`);
  if (!isOurs(ownership))
    throw new StepFailure(
      'vm_not_ours',
      `VM ${vm.vmid} does not carry this server's tag, so GuildServer will not touch it.`,
    );
}

/** start_vm: nothing when running; else start and wait for the task. */
export const startVm: Step<TaskMemo> = { name: 'start_vm', failure: 'start_failed', run: runStartVm };

async function runStartVm(ctx: StepContext<TaskMemo>): Promise<StepOutcome> {
  const vm = vmOf(ctx);
  const { memo } = ctx;
  for (let round = 0; round < 3; round++) {
    const status = await readStatus(ctx, vm);
    requireOurs(ctx, status, vm);
    if (status?.status === 'running')
      return {
        detail:
          round === 0 && !memo.upid ? `VM ${vm.vmid} was already running.` : `VM ${vm.vmid} is running.`,
      };
    if (memo.upid && !memo.taskFinished) {
      await resumeStartedTask(ctx);
      continue;
    }
    const upid = await ctx.deps.proxmox.power.start(vm);
    ctx.remember({ upid, taskFinished: false });
    try {
      await waitTask(ctx, upid);
    } catch (error) {
      ctx.remember({ taskFinished: true });
      // "already running" (a start raced ours) is fine: the next round reads the status.
      if (error instanceof TaskFailedError && /already running/i.test(error.exitstatus)) continue;
      throw error;
    }
    ctx.remember({ taskFinished: true });
  }
  const status = await readStatus(ctx, vm);
  if (status?.status === 'running') return { detail: `VM ${vm.vmid} is running.` };
  throw new StepFailure('start_failed', `VM ${vm.vmid} did not start.`);
}

/** wait_network: the guest agent reports a global IPv4 before the deadline; stored on the server. */
export const waitNetwork: Step = { name: 'wait_network', failure: 'network_timeout', run: runWaitNetwork };

async function runWaitNetwork(ctx: StepContext): Promise<StepOutcome> {
  const vm = vmOf(ctx);
  const { networkPollMs, agentGraceMs } = ctx.options;
  const networkTimeoutMs = ctx.options.networkTimeoutMs ?? ctx.deps.config.proxmox.agentTimeoutSeconds * 1000;
  ctx.progress(
    `Waiting up to ${Math.round(networkTimeoutMs / 1000)} s for the guest agent to report the VM's address.`,
  );
  try {
    const picked = await ctx.deps.proxmox.waitForIpv4(vm, {
      timeoutMs: networkTimeoutMs,
      intervalMs: networkPollMs,
      maxIntervalMs: Math.max(networkPollMs, 5 * networkPollMs),
      agentNotConfiguredGraceMs: Math.min(agentGraceMs, networkTimeoutMs),
      signal: ctx.signal,
    });
    recordServerFacts(ctx.deps.db, ctx.server.id, { ipv4: picked.ip });
    return { detail: `The VM has IPv4 ${picked.ip} (${picked.interface}).` };
  } catch (error) {
    if (isProxmoxError(error) && error.code === 'timeout') {
      throw new StepFailure(
        'network_timeout',
        `The VM reported no IPv4 address within ${Math.round(networkTimeoutMs / 1000)} s; its guest agent or DHCP may not be working (check the template and ${ctx.deps.config.proxmox.networkBridge}).`,
      );
    }
    throw error;
  }
}
