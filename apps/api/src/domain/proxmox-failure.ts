// What a Proxmox failure means, once for every caller: a request the API is serving (the VM-id check) and a
// job's step. Whether it is worth another try, the stable code and one sentence a user can read. Pure.
import { errorCodeSchema } from '@guildserver/contracts';
import { isProxmoxError, type ProxmoxError, TaskFailedError } from '@guildserver/proxmox';
import { DomainError } from './errors.js';

export interface ProxmoxVerdict {
  transient: boolean;
  code: string;
  message: string;
}

export const firstLine = (text: string) => text.split('\n')[0]!.trim();

/** `failure` is the caller's own code for a failure that is about what it did (a failed task, a refusal). */
export function proxmoxVerdict(error: ProxmoxError, failure: string): ProxmoxVerdict {
  const detail = firstLine(error.message);
  const transient = (code: string, message: string) => ({ transient: true, code, message });
  const permanent = (code: string, message: string) => ({ transient: false, code, message });
  switch (error.code) {
    case 'unreachable':
    case 'node_offline':
      return transient('proxmox_unreachable', `Proxmox could not be reached (${detail}).`);
    case 'lock_timeout':
    case 'vm_locked':
      return transient('proxmox_busy', `Proxmox was busy and kept the VM or its storage locked (${detail}).`);
    case 'agent_not_running':
    case 'vm_not_running':
      return transient(failure, `The VM was not ready yet (${detail}).`);
    case 'timeout':
      return transient(failure, `Proxmox did not finish in time (${detail}).`);
    case 'api_error':
      if (error.status === undefined || error.status >= 500) {
        return transient('proxmox_unreachable', `Proxmox answered with an error (${detail}).`);
      }
      return permanent(failure, `Proxmox refused the request (${detail}).`);
    case 'auth_failed':
      return permanent(
        'proxmox_auth_failed',
        "Proxmox rejected GuildServer's API token; an admin must check PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET.",
      );
    case 'permission_denied':
      return permanent('proxmox_permission_denied', `Proxmox refused the action: ${detail}.`);
    case 'tls_mismatch':
    case 'tls_untrusted':
      return permanent('proxmox_tls', `Proxmox's certificate was not trusted: ${detail}.`);
    case 'not_found':
      return permanent('vm_missing', `Proxmox no longer knows the VM (${detail}).`);
    case 'agent_not_configured':
      return permanent(
        'network_timeout',
        'The VM has no QEMU guest agent configured, so its address cannot be read; check the template.',
      );
    case 'task_failed': {
      const exit = error instanceof TaskFailedError ? error.exitstatus : detail;
      return permanent(failure, `Proxmox reported a failure: ${firstLine(exit)}.`);
    }
    default:
      return permanent(failure, `Proxmox refused the request (${detail}).`);
  }
}

/** A Proxmox failure while the API serves a request, as one of the codes the API promises. */
export function proxmoxRequestFailure(error: unknown): DomainError {
  if (!isProxmoxError(error)) return new DomainError('internal', 'Unexpected failure while asking Proxmox.');
  const verdict = proxmoxVerdict(error, 'proxmox_unreachable');
  const code = errorCodeSchema.safeParse(verdict.code).data ?? 'proxmox_unreachable';
  return new DomainError(
    code,
    verdict.transient ? `${verdict.message} Try again in a minute.` : verdict.message,
  );
}
