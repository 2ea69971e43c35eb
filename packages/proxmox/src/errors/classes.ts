// Typed errors with stable codes: callers branch on `code` (or instanceof), never on message text.

export type ProxmoxErrorCode =
  | 'auth_failed'
  | 'permission_denied'
  | 'not_found'
  | 'vm_locked'
  | 'lock_timeout'
  | 'already_exists'
  | 'node_offline'
  | 'invalid_params'
  | 'vm_not_running'
  | 'agent_not_configured'
  | 'agent_not_running'
  | 'task_failed'
  | 'timeout'
  | 'unreachable'
  | 'tls_mismatch'
  | 'tls_untrusted'
  | 'api_error';

export interface ProxmoxErrorDetails {
  /** HTTP status when the error came from a response. */
  status?: number;
  method?: string;
  path?: string;
  cause?: unknown;
}

export abstract class ProxmoxError extends Error {
  abstract readonly code: ProxmoxErrorCode;
  readonly status: number | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;

  constructor(message: string, details: ProxmoxErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
  }

  toJSON(): Record<string, unknown> {
    return { ...(this as object), name: this.name, code: this.code, message: this.message };
  }
}

export class AuthFailedError extends ProxmoxError {
  readonly code = 'auth_failed';
}

export class PermissionDeniedError extends ProxmoxError {
  readonly code = 'permission_denied';
}

export class NotFoundError extends ProxmoxError {
  readonly code = 'not_found';
}

export class VmLockedError extends ProxmoxError {
  readonly code = 'vm_locked';
  /** The lock PVE reported, e.g. `clone`, `backup`, `snapshot`. */
  readonly lock: string | undefined;
  constructor(message: string, lock: string | undefined, details?: ProxmoxErrorDetails) {
    super(message, details);
    this.lock = lock;
  }
}

export interface TaskSummary {
  upid: string;
  exitstatus: string;
  /** Last lines of the task log (text only). */
  log: string[];
}

/**
 * PVE could not take a lock in time. Nothing was changed, so the caller may retry — but the client never
 * does so by itself for a clone: the limiter and `withLockRetry` decide.
 */
export class LockTimeoutError extends ProxmoxError {
  readonly code = 'lock_timeout';
  /** Set when the lock time-out ended a task (e.g. `clone failed: can't lock file ... - got timeout`). */
  readonly task: TaskSummary | undefined;
  constructor(message: string, details?: ProxmoxErrorDetails & { task?: TaskSummary }) {
    super(message, details);
    this.task = details?.task;
  }
}

export class AlreadyExistsError extends ProxmoxError {
  readonly code = 'already_exists';
}

export class NodeOfflineError extends ProxmoxError {
  readonly code = 'node_offline';
}

export class InvalidParamsError extends ProxmoxError {
  readonly code = 'invalid_params';
  /** Per-parameter messages exactly as PVE worded them (secrets redacted). */
  readonly errors: Record<string, string>;
  constructor(message: string, errors: Record<string, string>, details?: ProxmoxErrorDetails) {
    super(message, details);
    this.errors = errors;
  }
}

export class VmNotRunningError extends ProxmoxError {
  readonly code = 'vm_not_running';
}

export class AgentNotConfiguredError extends ProxmoxError {
  readonly code = 'agent_not_configured';
}

export class AgentNotRunningError extends ProxmoxError {
  readonly code = 'agent_not_running';
}

export class TaskFailedError extends ProxmoxError {
  readonly code = 'task_failed';
  readonly upid: string;
  readonly exitstatus: string;
  readonly log: string[];
  constructor(message: string, task: TaskSummary, details?: ProxmoxErrorDetails) {
    super(message, details);
    this.upid = task.upid;
    this.exitstatus = task.exitstatus;
    this.log = task.log;
  }
}

export class TimeoutError extends ProxmoxError {
  readonly code = 'timeout';
}

/** Connection refused, DNS failure, reset, request time-out: the API could not be reached. */
export class UnreachableError extends ProxmoxError {
  readonly code = 'unreachable';
}

/** The server's certificate did not match the pinned SHA-256 fingerprint. */
export class TlsMismatchError extends ProxmoxError {
  readonly code = 'tls_mismatch';
}

/** The server's certificate is not trusted (no pin, not signed by the CA file or the system roots). */
export class TlsUntrustedError extends ProxmoxError {
  readonly code = 'tls_untrusted';
}

/** Any other API failure (status and PVE's message kept). */
export class ProxmoxApiError extends ProxmoxError {
  readonly code = 'api_error';
}

export function isProxmoxError(error: unknown): error is ProxmoxError {
  return error instanceof ProxmoxError;
}
