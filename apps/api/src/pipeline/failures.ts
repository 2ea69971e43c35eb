// Which failures are worth another try (BullMQ retries the job with back-off, the step stays resumable) and
// which are final, each with a stable code and one sentence a user can read. Pure.
import { isProxmoxError, TaskFailedError } from '@guildserver/proxmox';

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

const firstLine = (text: string) => text.split('\n')[0]!.trim();

/** `failure` is the step's own code for a Proxmox failure while it ran (a failed task, a refusal). */
export function judge(error: unknown, failure: string): Verdict {
  if (error instanceof StepFailure) {
    return error.log === undefined
      ? { kind: 'permanent', code: error.code, message: error.message }
      : { kind: 'permanent', code: error.code, message: error.message, log: error.log };
  }
  if (isProxmoxError(error)) {
    const detail = firstLine(error.message);
    switch (error.code) {
      case 'unreachable':
      case 'node_offline':
        return {
          kind: 'transient',
          code: 'proxmox_unreachable',
          message: `Proxmox could not be reached (${detail}).`,
        };
      case 'lock_timeout':
      case 'vm_locked':
        return {
          kind: 'transient',
          code: 'proxmox_busy',
          message: `Proxmox was busy and kept the VM or its storage locked (${detail}).`,
        };
      case 'agent_not_running':
      case 'vm_not_running':
        return {
          kind: 'transient',
          code: failure,
          message: `The VM was not ready yet (${detail}).`,
        };
      case 'timeout':
        return {
          kind: 'transient',
          code: failure,
          message: `Proxmox did not finish in time (${detail}).`,
        };
      case 'api_error':
        if (error.status === undefined || error.status >= 500) {
          return {
            kind: 'transient',
            code: 'proxmox_unreachable',
            message: `Proxmox answered with an error (${detail}).`,
          };
        }
        return {
          kind: 'permanent',
          code: failure,
          message: `Proxmox refused the request (${detail}).`,
        };
      case 'auth_failed':
        return {
          kind: 'permanent',
          code: 'proxmox_auth_failed',
          message:
            "Proxmox rejected GuildServer's API token; an admin must check PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET.",
        };
      case 'permission_denied':
        return {
          kind: 'permanent',
          code: 'proxmox_permission_denied',
          message: `Proxmox refused the action: ${detail}.`,
        };
      case 'tls_mismatch':
      case 'tls_untrusted':
        return {
          kind: 'permanent',
          code: 'proxmox_tls',
          message: `Proxmox's certificate was not trusted: ${detail}.`,
        };
      case 'not_found':
        return {
          kind: 'permanent',
          code: 'vm_missing',
          message: `Proxmox no longer knows the VM (${detail}).`,
        };
      case 'agent_not_configured':
        return {
          kind: 'permanent',
          code: 'network_timeout',
          message:
            'The VM has no QEMU guest agent configured, so its address cannot be read; check the template.',
        };
      case 'task_failed': {
        const exit = error instanceof TaskFailedError ? error.exitstatus : detail;
        return {
          kind: 'permanent',
          code: failure,
          message: `Proxmox reported a failure: ${firstLine(exit)}.`,
        };
      }
      default:
        return {
          kind: 'permanent',
          code: failure,
          message: `Proxmox refused the request (${detail}).`,
        };
    }
  }
  // Anything else (a bug, SQLite busy, a dropped connection) may pass; on the last attempt it is `internal`.
  const message = error instanceof Error ? error.message : String(error);
  return {
    kind: 'transient',
    code: 'internal',
    message: `Something unexpected went wrong (${firstLine(message)}).`,
  };
}
