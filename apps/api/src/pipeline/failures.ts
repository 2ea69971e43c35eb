// Which failures are worth another try (BullMQ retries the job with back-off, the step stays resumable) and
// which are final, each with a stable code and one sentence a user can read. Pure.
import { isProxmoxError } from '@guildserver/proxmox';
import { firstLine, proxmoxVerdict } from '../domain/proxmox-failure.js';

/** A final failure a step decided on itself, with its code and sentence. */
export class StepFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Full output for operators (e.g. the Ansible log), kept on the job. */
    readonly log?: string,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

/** The worker is shutting down (or lost the job to another worker): stop without recording anything. */
export class StepInterrupted extends Error {
  constructor(message = 'The worker stopped while the step ran.') {
    super(message);
    this.name = 'StepInterrupted';
  }
}

export type Verdict =
  | { kind: 'transient'; code: string; message: string }
  | { kind: 'permanent'; code: string; message: string; log?: string };

/** `failure` is the step's own code for a Proxmox failure while it ran (a failed task, a refusal). */
export function judge(error: unknown, failure: string): Verdict {
  if (error instanceof StepFailure) {
    return error.log === undefined
      ? { kind: 'permanent', code: error.code, message: error.message }
      : { kind: 'permanent', code: error.code, message: error.message, log: error.log };
  }
  if (isProxmoxError(error)) {
    const { transient, code, message } = proxmoxVerdict(error, failure);
    return { kind: transient ? 'transient' : 'permanent', code, message };
  }
  // Anything else (a bug, SQLite busy, a dropped connection) may pass; on the last attempt it is `internal`.
  const message = error instanceof Error ? error.message : String(error);
  return {
    kind: 'transient',
    code: 'internal',
    message: `Something unexpected went wrong (${firstLine(message)}).`,
  };
}
