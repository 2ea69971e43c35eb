import type { VmRef } from '@guildserver/proxmox';
import type { Step, StepContext } from '../context.js';
import { StepFailure } from '../failures.js';
import { ownershipOf } from '../ownership.js';
import { awaitStartedTask, resumeStartedTask, type TaskMemo } from '../task-memo.js';
import { readStatus } from '../vm-adapter.js';
import { hibernatedNow, powerOf, requireOurs, vmOf } from './server-vm.js';
import { type ShutdownStepMemo, stopVm } from './shutdown-vm.js';

type SleepMemo = ShutdownStepMemo & TaskMemo;

/**
 * sleep_vm: the VM sleeps the way its game's catalog entry says (`sleep`): hibernated — Proxmox's suspend to
 * disk, its memory written to a `vmstate` volume on PROXMOX_STORAGE — or shut down. Either way its memory is
 * the node's again; the wake job's start_vm brings it back.
 */
export const sleepVm: Step<SleepMemo> = {
  name: 'sleep_vm',
  failure: 'sleep_failed',
  async run(ctx) {
    const vm = vmOf(ctx);
    if (ctx.game.sleep === 'shutdown') {
      const serverId = ctx.server.id;
      const done = await stopVm(
        ctx,
        vm,
        (status) => ownershipOf(serverId, status) === 'ours',
        "this server's tag",
      );
      return { detail: `${done} It boots again when woken.` };
    }
    return { detail: await hibernate(ctx, vm) };
  },
};

async function hibernate(ctx: StepContext<SleepMemo>, vm: VmRef): Promise<string> {
  for (let round = 0; round < 3; round++) {
    const status = await readStatus(ctx, vm);
    requireOurs(ctx, status, vm);
    if (hibernatedNow(status))
      return `VM ${vm.vmid} is hibernated: its memory is on disk, and it resumes where it was.`;
    if (powerOf(status) === 'stopped') return `VM ${vm.vmid} was already off; it boots when woken.`;
    if (ctx.memo.upid && !ctx.memo.taskFinished) {
      await resumeStartedTask(ctx);
      continue;
    }
    const upid = await ctx.deps.proxmox.power.suspend(vm, {
      toDisk: true,
      stateStorage: ctx.deps.config.proxmox.storage,
    });
    await awaitStartedTask(ctx, upid);
  }
  throw new StepFailure('sleep_failed', `VM ${vm.vmid} did not hibernate.`);
}
