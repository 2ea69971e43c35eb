// Given the job and what Proxmox reports, what next. Pure: no I/O here, so every branch is easy to test.
import type { JobKind } from '@guildserver/contracts';
import type { JobParams } from '../domain/jobs.js';
import type { Ownership } from './ownership.js';

export type VmidDecision =
  /** Nothing at the id: clone there. */
  | { action: 'use' }
  /** Our VM is already there (a resumed create): keep it. */
  | { action: 'resume' }
  /** Someone else's VM holds the id: reserve another one. */
  | { action: 'replace' };

/** `cloneRequested`: the clone step already sent (or was about to send) its clone, so a clone in flight is ours. */
export function decideVmid(ownership: Ownership, cloneRequested: boolean): VmidDecision {
  switch (ownership) {
    case 'absent':
      return { action: 'use' };
    case 'ours':
    case 'ours_untagged':
      return { action: 'resume' };
    case 'cloning':
      return cloneRequested ? { action: 'resume' } : { action: 'replace' };
    case 'foreign':
      return { action: 'replace' };
  }
}

export interface CloneMemo {
  /** Set (and saved) just before the clone is sent. */
  requestedAt?: string;
  /** The clone task, once Proxmox answered. */
  upid?: string;
}

export type CloneDecision =
  | { action: 'done' }
  | { action: 'wait_unlock' }
  | { action: 'wait_task'; upid: string }
  | { action: 'clone' }
  | { action: 'fail'; code: string; message: string };

/**
 * Never a blind second clone: a VM at our id that is locked by a clone we sent is waited for, a clone task we
 * know of is waited for, and only when Proxmox shows nothing at the id is a clone sent.
 */
export function decideClone(
  ownership: Ownership,
  memo: CloneMemo,
  vmid: number,
  taskKnownFinished: boolean,
): CloneDecision {
  switch (ownership) {
    case 'ours':
    case 'ours_untagged':
      return { action: 'done' };
    case 'cloning':
      if (memo.requestedAt !== undefined || memo.upid !== undefined) return { action: 'wait_unlock' };
      return {
        action: 'fail',
        code: 'vmid_conflict',
        message: `Another clone is writing to VM id ${vmid}, which GuildServer reserved.`,
      };
    case 'foreign':
      return {
        action: 'fail',
        code: 'vmid_conflict',
        message: `VM id ${vmid} was taken by a VM GuildServer did not make; retry to use another id.`,
      };
    case 'absent':
      if (memo.upid !== undefined && !taskKnownFinished) return { action: 'wait_task', upid: memo.upid };
      return { action: 'clone' };
  }
}

const GiB = 1024 ** 3;

export type ResizeDecision = { action: 'grow'; size: string } | { action: 'keep'; detail: string };

/** Grow to the wanted size; never shrink (PVE refuses, and the data would not fit). */
export function decideResize(currentBytes: number | undefined, wantedGiB: number): ResizeDecision {
  if (currentBytes !== undefined && currentBytes >= wantedGiB * GiB) {
    const have = currentBytes / GiB;
    return {
      action: 'keep',
      detail: `Disk is ${Number.isInteger(have) ? have : have.toFixed(1)} GiB, at least the ${wantedGiB} GiB wanted.`,
    };
  }
  return { action: 'grow', size: `${wantedGiB}G` };
}

export type CheckDecision =
  | { action: 'ok' }
  /** Ours but not yet tagged: tag it, then go on. */
  | { action: 'claim' }
  /** Delete only: nothing of ours to touch at Proxmox; the later steps skip their calls. */
  | { action: 'nothing_to_touch'; detail: string }
  | { action: 'fail'; code: string; message: string };

export function decideCheck(kind: JobKind, ownership: Ownership, vmid: number | null): CheckDecision {
  const id = vmid === null ? 'none' : String(vmid);
  switch (ownership) {
    case 'ours':
      return { action: 'ok' };
    case 'ours_untagged':
      return { action: 'claim' };
    case 'absent':
      if (kind === 'delete')
        return {
          action: 'nothing_to_touch',
          detail: `There is no VM ${id} at Proxmox any more; nothing to destroy.`,
        };
      return {
        action: 'fail',
        code: 'vm_missing',
        message: `The server's VM (${id}) no longer exists at Proxmox; delete the server and create it again.`,
      };
    case 'cloning':
    case 'foreign':
      if (kind === 'delete') {
        return {
          action: 'nothing_to_touch',
          detail: `VM ${id} does not carry this server's tag, so it is left untouched.`,
        };
      }
      return {
        action: 'fail',
        code: 'vm_not_ours',
        message: `VM ${id} does not carry this server's tag, so GuildServer will not touch it; an admin should look at it.`,
      };
  }
}

export type PowerState = 'running' | 'stopped' | 'absent';

export type ShutdownPhase = 'resume' | 'shutdown' | 'stop';

export interface ShutdownMemo {
  phase?: ShutdownPhase;
  upid?: string;
}

export type ShutdownDecision =
  | { action: 'done'; detail: string }
  | { action: 'wait_task'; upid: string; phase: ShutdownPhase }
  | { action: 'resume' }
  | { action: 'shutdown' }
  | { action: 'stop' };

/**
 * A graceful shutdown first; when it did not bring the VM down (its task failed or the deadline passed), a
 * hard stop. A hibernated VM (a sleeping server's) is resumed first, so its game saves and stops as it would
 * and the VM is left plainly off. `taskFinished`: the task in the memo is known to be over.
 */
export function decideShutdown(
  power: PowerState,
  memo: ShutdownMemo,
  taskFinished: boolean,
  hibernated = false,
): ShutdownDecision {
  const taskRunning = memo.upid !== undefined && memo.phase !== undefined && !taskFinished;
  if (power === 'absent') return { action: 'done', detail: 'There is no VM to stop.' };
  if (power === 'stopped' && hibernated)
    return taskRunning && memo.phase === 'resume'
      ? { action: 'wait_task', upid: memo.upid!, phase: 'resume' }
      : { action: 'resume' };
  if (power === 'stopped')
    return {
      action: 'done',
      detail:
        memo.phase === 'stop'
          ? 'Stopped (hard stop after the shutdown deadline).'
          : memo.phase === 'shutdown'
            ? 'Shut down.'
            : 'Already stopped.',
    };
  if (taskRunning) return { action: 'wait_task', upid: memo.upid!, phase: memo.phase! };
  if (memo.phase === 'shutdown' || memo.phase === 'stop') return { action: 'stop' };
  return { action: 'shutdown' };
}

export type DestroyDecision =
  | { action: 'done'; detail: string }
  | { action: 'claim_then_destroy' }
  | { action: 'stop_first' }
  | { action: 'destroy' }
  | { action: 'refuse'; detail: string };

/** Only a VM found carrying our tag (or our marker, tagged first) is ever destroyed. */
export function decideDestroy(ownership: Ownership, power: PowerState, vmid: number | null): DestroyDecision {
  if (ownership === 'absent') return { action: 'done', detail: `VM ${vmid ?? 'none'} is gone.` };
  if (ownership === 'ours_untagged') return { action: 'claim_then_destroy' };
  if (ownership !== 'ours')
    return { action: 'refuse', detail: `VM ${vmid} does not carry this server's tag; left untouched.` };
  if (power === 'running') return { action: 'stop_first' };
  return { action: 'destroy' };
}

export type FinalState = 'running' | 'stopped' | 'sleeping' | 'deleted';

/** Where a finished job leaves its server; a backup leaves it as it found it. */
export function finalStateOf(kind: JobKind, params: Pick<JobParams, 'returnTo'>): FinalState {
  switch (kind) {
    case 'stop':
      return 'stopped';
    case 'delete':
      return 'deleted';
    case 'sleep':
      return 'sleeping';
    case 'backup':
      return params.returnTo ?? 'running';
    default:
      return 'running';
  }
}
