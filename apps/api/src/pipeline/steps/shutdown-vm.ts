import { TaskFailedError, type VmRef } from '@guildserver/proxmox';
import type { Step, VmTaskContext } from '../context.js';
import { decideShutdown, type ShutdownMemo } from '../decisions.js';
import { StepFailure } from '../failures.js';
import { ownershipOf } from '../ownership.js';
import { readStatus, waitTask } from '../vm-adapter.js';
import { checkVm } from './check-vm.js';
import { hibernatedNow, powerOf, serverVm } from './server-vm.js';

export type ShutdownStepMemo = ShutdownMemo & { taskFinished?: boolean };

/** shutdown_vm: graceful shutdown with a deadline, then a hard stop; nothing when already stopped. */
export const shutdownVm: Step<ShutdownStepMemo> = {
  name: 'shutdown_vm',
  failure: 'stop_failed',
  async run(ctx) {
    const vm = serverVm(ctx);
    if (!vm || ctx.memoOf(checkVm).nothingToTouch)
      return { detail: 'There is no VM of this server to stop.' };
    const serverId = ctx.server.id;
    return {
      detail: await stopVm(
        ctx,
        vm,
        (status) => ownershipOf(serverId, status) === 'ours',
        "this server's tag",
      ),
    };
  },
};

/**
 * Graceful shutdown with a deadline, then a hard stop; the VM is only touched while `ours` holds of its status
 * (`mark`: what it must carry, for the refusal's sentence).
 */
export async function stopVm(
  ctx: VmTaskContext<ShutdownStepMemo>,
  vm: VmRef,
  ours: (status: { tags?: string; name?: string }) => boolean,
  mark: string,
): Promise<string> {
  const { proxmox } = ctx.deps;
  const seconds = ctx.options.shutdownTimeoutSeconds;
  for (let round = 0; round < 8; round++) {
    const { memo } = ctx;
    const status = await readStatus(ctx, vm);
    if (status && !ours(status)) {
      throw new StepFailure(
        'vm_not_ours',
        `VM ${vm.vmid} does not carry ${mark}, so GuildServer will not stop it.`,
      );
    }
    const decision = decideShutdown(powerOf(status), memo, memo.taskFinished === true, hibernatedNow(status));
    switch (decision.action) {
      case 'done':
        return decision.detail;
      case 'wait_task':
        await waitTask(
          ctx,
          decision.upid,
          decision.phase === 'shutdown' ? (seconds + 30) * 1000 : ctx.options.taskTimeoutMs,
        ).catch((error: unknown) => {
          // A shutdown that failed or ran past our deadline is followed by a hard stop; a failed stop or resume
          // task is read again from the VM's status in the next round.
          if (decision.phase !== 'shutdown' && !(error instanceof TaskFailedError)) throw error;
        });
        ctx.remember({ taskFinished: true });
        break;
      case 'resume': {
        ctx.progress(`VM ${vm.vmid} is hibernated; resuming it so the game saves and stops cleanly.`);
        const upid = await proxmox.power.start(vm);
        ctx.remember({ phase: 'resume', upid, taskFinished: false });
        break;
      }
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
