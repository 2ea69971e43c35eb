import type { BackupReason } from '@guildserver/contracts';
import { TaskFailedError, type Upid, type VmRef } from '@guildserver/proxmox';
import { type BackupNotes, backupNotes, parseBackupNotes } from '../../domain/backup-listing.js';
import type { Step, StepContext } from '../context.js';
import { StepFailure } from '../failures.js';
import { waitTask, waitWhileLocked } from '../vm-adapter.js';
import { checkVm } from './check-vm.js';
import { serverVm } from './server-vm.js';

export interface BackupMemo {
  /** Set before the vzdump is asked for: a re-run looks for the backup by its notes before asking again. */
  sent?: boolean;
  upid?: string;
  /** The backup made, once found on the storage. */
  volid?: string;
}

/** Why this job backs the server up: a backup job's own reason, else the job it precedes. */
function reasonOf(ctx: StepContext): BackupReason {
  if (ctx.kind === 'delete') return 'before-delete';
  if (ctx.kind === 'restore') return 'before-restore';
  return ctx.params.reason ?? 'manual';
}

const notesOf = (ctx: StepContext): BackupNotes => ({
  serverId: ctx.server.id,
  name: ctx.server.name,
  reason: reasonOf(ctx),
  jobId: ctx.jobId,
});

/** The backup this job made, found on the storage by the job id in its notes. */
async function findOurs(ctx: StepContext, vm: VmRef) {
  const { storage } = ctx.deps.config.backups;
  const volumes = await ctx.deps.proxmox.storage.backups(vm.node, storage, { vmid: vm.vmid });
  return volumes.find((v) => parseBackupNotes(v.notes)?.jobId === ctx.jobId);
}

/** Proxmox's own words for a failed backup: the ERROR lines of the vzdump task's log. */
async function whyItFailed(ctx: StepContext, upid: Upid, error: TaskFailedError): Promise<string> {
  const log = await ctx.deps.proxmox.tasks.log(upid, { limit: 500 }).catch(() => undefined);
  const line = log?.lines.map((l) => l.t).find((t) => t.startsWith('ERROR:'));
  return (line ?? error.exitstatus).replace(/^ERROR:\s*/, '');
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(bytes < 1024 ** 3 ? 2 : 1)} GiB`;

/**
 * backup_vm: a vzdump of the server's VM (snapshot by default, zstd) to PROXMOX_BACKUP_STORAGE with notes that
 * name it ours. Resumable: the notes carry the job id, so a re-run finds the backup an earlier try made
 * instead of making a second.
 */
export const backupVm: Step<BackupMemo> = {
  name: 'backup_vm',
  failure: 'backup_failed',
  async run(ctx) {
    const vm = serverVm(ctx);
    if (!vm || ctx.memoOf(checkVm).nothingToTouch) return { detail: 'There is no VM to back up.' };
    if (ctx.kind === 'delete' && ctx.params.skipFinalBackup)
      return { detail: 'No final backup: the delete was asked without one.' };
    const found = ctx.memo.volid ? undefined : await resume(ctx, vm);
    const volid = ctx.memo.volid ?? found ?? (await send(ctx, vm));
    const made = await findOurs(ctx, vm);
    const size = made ? ` (${gib(made.size)})` : '';
    return { detail: `Backed up to ${volid}${size}.` };
  },
};

/** After a crash: the task an earlier try started, or the backup it already made. */
async function resume(ctx: StepContext<BackupMemo>, vm: VmRef): Promise<string | undefined> {
  const { memo } = ctx;
  if (!memo.sent) return undefined;
  if (memo.upid) await waitTask(ctx, memo.upid).catch(() => undefined);
  else {
    // Sent, UPID never seen: a vzdump may be running (the VM is locked `backup` meanwhile).
    await waitWhileLocked(ctx, vm, 'backup');
  }
  const made = await findOurs(ctx, vm);
  if (made) ctx.remember({ volid: made.volid });
  return made?.volid;
}

async function send(ctx: StepContext<BackupMemo>, vm: VmRef): Promise<string> {
  const { backups } = ctx.deps.config;
  ctx.remember({ sent: true, upid: undefined });
  const upid = await ctx.deps.proxmox.backup.vzdump({
    node: vm.node,
    vmid: vm.vmid,
    storage: backups.storage,
    mode: backups.mode,
    compress: 'zstd',
    notesTemplate: backupNotes(notesOf(ctx)),
    ...(ctx.params.protected ? { protected: true } : {}),
  });
  ctx.remember({ upid });
  try {
    await waitTask(ctx, upid);
  } catch (error) {
    if (!(error instanceof TaskFailedError)) throw error;
    const why = await whyItFailed(ctx, upid, error);
    ctx.remember({ sent: false, upid: undefined });
    const hint =
      ctx.kind === 'delete'
        ? ' The server was not deleted; free space on the backup storage, or delete it without a final backup.'
        : '';
    throw new StepFailure('backup_failed', `Proxmox could not back the VM up: ${why}.${hint}`);
  }
  const made = await findOurs(ctx, vm);
  if (!made)
    throw new StepFailure(
      'backup_failed',
      `The backup task ended well, but no backup with this job's notes is on ${backups.storage}.`,
    );
  ctx.remember({ volid: made.volid });
  return made.volid;
}
