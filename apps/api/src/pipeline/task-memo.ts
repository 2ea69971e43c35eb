// A step that starts a Proxmox task remembers it, so a re-run waits for that task instead of starting another.
import { TaskFailedError } from '@guildserver/proxmox';
import type { VmTaskContext } from './context.js';
import { waitTask } from './vm-adapter.js';

export interface TaskMemo {
  upid?: string;
  taskFinished?: boolean;
}

/** Waits out the task an earlier try started but did not see end; what it did is read from Proxmox next. */
export async function resumeStartedTask(ctx: VmTaskContext<TaskMemo>): Promise<void> {
  const { upid, taskFinished } = ctx.memo;
  if (!upid || taskFinished) return;
  await waitTask(ctx, upid).catch((error: unknown) => {
    if (!(error instanceof TaskFailedError)) throw error;
  });
  ctx.remember({ taskFinished: true });
}

/** Remembers a task just started, then waits for it. */
export async function awaitStartedTask(ctx: VmTaskContext<TaskMemo>, upid: string): Promise<void> {
  ctx.remember({ upid, taskFinished: false });
  await waitTask(ctx, upid);
  ctx.remember({ taskFinished: true });
}
