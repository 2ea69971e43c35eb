import { TaskFailedError } from '@guildserver/proxmox';
import type { Step } from '../context.js';
import { StepFailure } from '../failures.js';
import { resumeStartedTask, type TaskMemo } from '../task-memo.js';
import { readStatus, waitTask } from '../vm-adapter.js';
import { requireOurs, vmOf } from './server-vm.js';

/** start_vm: nothing when running; else start and wait for the task. */
export const startVm: Step<TaskMemo> = {
  name: 'start_vm',
  failure: 'start_failed',
  async run(ctx) {
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
  },
};
