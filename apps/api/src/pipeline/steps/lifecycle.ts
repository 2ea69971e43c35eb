// check_vm, shutdown_vm, destroy_vm, release_resources — and the clean-up of a failed create, which destroys
// only a VM found carrying our tag (or our marker, tagged first).
import { TaskFailedError, type VmRef } from '@guildserver/proxmox';
import type { Step, StepContext, StepOutcome } from '../context.js';
import {
  decideCheck,
  decideDestroy,
  decideShutdown,
  type PowerState,
  type ShutdownMemo,
} from '../decisions.js';
import { StepFailure } from '../failures.js';
import { readServer, releaseServerResources } from '../job-store.js';
import { OUR_TAG, ownershipOf, serverTag } from '../ownership.js';
import { readConfig, readStatus, vmidTaken, waitCloneUnlocked, waitTask } from '../vm-adapter.js';

/** What check_vm leaves for the steps after it. */
export interface CheckMemo {
  /** Delete only: no VM of ours at Proxmox; later steps make no Proxmox calls. */
  nothingToTouch?: boolean;
}

function serverVm(ctx: StepContext): VmRef | undefined {
  const vmid = readServer(ctx.deps.db, ctx.server.id).vmid;
  return vmid === null ? undefined : { node: ctx.node, vmid };
}

/** Tags a VM that carries our description marker but no tags yet, before anything else is done to it. */
async function claim(ctx: StepContext, vm: VmRef): Promise<void> {
  await ctx.deps.proxmox.qemu.updateConfig(vm, { tags: [OUR_TAG, serverTag(ctx.server.id)] });
}

export const checkVm: Step<CheckMemo> = { name: 'check_vm', failure: 'vm_missing', run: runCheckVm };

async function runCheckVm(ctx: StepContext<CheckMemo>): Promise<StepOutcome> {
  const vm = serverVm(ctx);
  const current = vm ? await readConfig(ctx, vm) : undefined;
  const decision = decideCheck(ctx.kind, ownershipOf(ctx.server.id, current), vm?.vmid ?? null);
  switch (decision.action) {
    case 'fail':
      throw new StepFailure(decision.code, decision.message);
    case 'nothing_to_touch':
      ctx.remember({ nothingToTouch: true });
      return { detail: decision.detail };
    case 'claim':
      await claim(ctx, vm!);
      return { detail: `VM ${vm!.vmid} is this server's (tagged it now).` };
    case 'ok':
      return { detail: `VM ${vm!.vmid} is this server's.` };
  }
}

function powerOf(status: { status?: string } | undefined): PowerState {
  if (!status) return 'absent';
  return status.status === 'running' ? 'running' : 'stopped';
}

type ShutdownStepMemo = ShutdownMemo & { taskFinished?: boolean };

/** shutdown_vm: graceful shutdown with a deadline, then a hard stop; nothing when already stopped. */
export const shutdownVm: Step<ShutdownStepMemo> = {
  name: 'shutdown_vm',
  failure: 'stop_failed',
  run: runShutdownVm,
};

async function runShutdownVm(ctx: StepContext<ShutdownStepMemo>): Promise<StepOutcome> {
  const vm = serverVm(ctx);
  if (!vm || ctx.memoOf(checkVm).nothingToTouch) return { detail: 'There is no VM of this server to stop.' };
  return { detail: await stopVm(ctx, vm) };
}

async function stopVm(ctx: StepContext<ShutdownStepMemo>, vm: VmRef): Promise<string> {
  const { proxmox } = ctx.deps;
  const seconds = ctx.options.shutdownTimeoutSeconds;
  for (let round = 0; round < 8; round++) {
    const { memo } = ctx;
    const status = await readStatus(ctx, vm);
    const ownership = ownershipOf(ctx.server.id, status);
    if (status && ownership !== 'ours') {
      throw new StepFailure(
        'vm_not_ours',
        `VM ${vm.vmid} does not carry this server's tag, so GuildServer will not stop it.`,
      );
    }
    const decision = decideShutdown(powerOf(status), memo, memo.taskFinished === true);
    switch (decision.action) {
      case 'done':
        return decision.detail;
      case 'wait_task':
        await waitTask(
          ctx,
          decision.upid,
          decision.phase === 'shutdown' ? (seconds + 30) * 1000 : ctx.options.taskTimeoutMs,
        ).catch((error: unknown) => {
          // A shutdown that failed or ran past our deadline is followed by a hard stop.
          if (decision.phase === 'stop' && !(error instanceof TaskFailedError)) throw error;
        });
        ctx.remember({ taskFinished: true });
        break;
      case 'shutdown': {
        const upid = await proxmox.power.shutdown(vm, { timeout: seconds });
        ctx.remember({ phase: 'shutdown', upid, taskFinished: false });
        break;
      }
      case 'stop': {
        ctx.progress(`The guest did not shut down within ${seconds} s; stopping it hard.`);
        const upid = await proxmox.power.stop(vm);
        ctx.remember({ phase: 'stop', upid, taskFinished: false });
        break;
      }
    }
  }
  throw new StepFailure('stop_failed', `VM ${vm.vmid} would not stop.`);
}

/** Kept apart from a step's own task memo: a failed create's clean-up runs in whichever step failed. */
interface DestroyMemo {
  destroyUpid?: string;
  destroyFinished?: boolean;
}

/** destroy_vm: only after reading the VM's tags and finding this server's; purge, then wait. */
export const destroyVm: Step<DestroyMemo> = {
  name: 'destroy_vm',
  failure: 'destroy_failed',
  run: runDestroyVm,
};

async function runDestroyVm(ctx: StepContext<DestroyMemo>): Promise<StepOutcome> {
  const vm = serverVm(ctx);
  if (!vm || ctx.memoOf(checkVm).nothingToTouch)
    return { detail: 'There is no VM of this server to destroy.' };
  return { detail: await destroyOurVm(ctx, vm) };
}

/** Destroys the VM if, and only if, it is ours; the sentence says what happened. */
export async function destroyOurVm(ctx: StepContext<DestroyMemo>, vm: VmRef): Promise<string> {
  const { proxmox } = ctx.deps;
  for (let round = 0; round < 8; round++) {
    const { memo } = ctx;
    if (memo.destroyUpid && !memo.destroyFinished) {
      await waitTask(ctx, memo.destroyUpid).catch((error: unknown) => {
        if (!(error instanceof TaskFailedError)) throw error;
      });
      ctx.remember({ destroyFinished: true });
    }
    let current = await readConfig(ctx, vm);
    if (current?.lock === 'clone') {
      current = await waitCloneUnlocked(
        ctx,
        vm,
        ctx.options.cloneTimeoutMs ?? ctx.deps.config.proxmox.cloneTimeoutSeconds * 1000,
      );
    }
    const ownership = ownershipOf(ctx.server.id, current);
    const status = current ? await readStatus(ctx, vm) : undefined;
    const decision = decideDestroy(ownership, powerOf(status), vm.vmid);
    switch (decision.action) {
      case 'done':
        return round === 0 ? `VM ${vm.vmid} was already gone.` : `Destroyed VM ${vm.vmid} and its disks.`;
      case 'refuse':
        return decision.detail;
      case 'claim_then_destroy':
        await claim(ctx, vm);
        break;
      case 'stop_first': {
        const upid = await proxmox.power.stop(vm);
        await waitTask(ctx, upid);
        break;
      }
      case 'destroy': {
        const upid = await proxmox.qemu.delete(vm, { purge: true, destroyUnreferencedDisks: true });
        ctx.remember({ destroyUpid: upid, destroyFinished: false });
        break;
      }
    }
  }
  throw new StepFailure('destroy_failed', `VM ${vm.vmid} could not be destroyed.`);
}

export const releaseResources: Step = {
  name: 'release_resources',
  failure: 'internal',
  run: runReleaseResources,
};

async function runReleaseResources(ctx: StepContext): Promise<StepOutcome> {
  const server = readServer(ctx.deps.db, ctx.server.id);
  const released = releaseServerResources(ctx.deps.db, ctx.server.id);
  const vmid = released.vmids > 0 && server.vmid !== null ? ` and VM id ${server.vmid}` : '';
  return { detail: `Released ${released.ports} port${released.ports === 1 ? '' : 's'}${vmid}.` };
}

export interface CleanupResult {
  /** Nothing of ours is left at the VM id, so the reservation can go. */
  vmidFree: boolean;
  detail: string;
}

/**
 * After a failed create: our VM (found by tag or marker) is stopped and destroyed. The VM id is released only
 * when Proxmox confirms nothing of ours is left there; when Proxmox cannot be asked, it stays reserved so a
 * retry (or the reconciler) finds the VM again.
 */
export async function cleanUpFailedCreate(ctx: StepContext): Promise<CleanupResult> {
  const vm = serverVm(ctx);
  if (!vm) return { vmidFree: true, detail: 'No VM id was reserved.' };
  try {
    if (!(await vmidTaken(ctx, vm.vmid))) return { vmidFree: true, detail: `No VM was left at ${vm.vmid}.` };
    const current = await readConfig(ctx, vm);
    const ownership = ownershipOf(ctx.server.id, current);
    if (ownership === 'absent' || ownership === 'foreign') {
      // Someone else's VM (or one on another node): never touched; our reservation of the id goes.
      return { vmidFree: true, detail: `VM ${vm.vmid} is not this server's; left untouched.` };
    }
    ctx.progress(`Removing VM ${vm.vmid}, made by this failed create.`);
    const detail = await destroyOurVm(ctx, vm);
    return { vmidFree: !(await vmidTaken(ctx, vm.vmid)), detail };
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return {
      vmidFree: false,
      detail: `VM ${vm.vmid} could not be checked or removed (${why}); its id stays reserved.`,
    };
  }
}
