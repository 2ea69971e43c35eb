import {
  AgentNotConfiguredError,
  AgentNotRunningError,
  AlreadyExistsError,
  LockTimeoutError,
  NotFoundError,
  type ProxmoxError,
  type ProxmoxErrorDetails,
  VmLockedError,
  VmNotRunningError,
} from './classes';

// PVE reports most failures as a 500 whose only structure is its text; these are the texts we act on.
const LOCK_TIMEOUT = /can't lock file .* got timeout/i;
const VM_LOCKED = /VM is locked \(([\w-]+)\)/;
const ALREADY_EXISTS = /\balready exists\b/i;
const NOT_FOUND =
  /(Configuration file .* does not exist|does not exist$|\bno such (VM|task|storage|node|snapshot)\b)/i;
const AGENT_NOT_CONFIGURED = /No QEMU guest agent configured/i;
const AGENT_NOT_RUNNING =
  /(QEMU guest agent is not running|qmp command 'guest-[\w-]+' failed - got timeout)/i;
const VM_NOT_RUNNING = /VM \d+ (is )?not running/i;

/** Maps a PVE message to a specific error, or undefined when the text is not one we know. */
export function errorFromMessage(message: string, details: ProxmoxErrorDetails): ProxmoxError | undefined {
  if (LOCK_TIMEOUT.test(message)) return new LockTimeoutError(message, details);
  const locked = VM_LOCKED.exec(message);
  if (locked) return new VmLockedError(message, locked[1], details);
  if (AGENT_NOT_CONFIGURED.test(message)) return new AgentNotConfiguredError(message, details);
  if (AGENT_NOT_RUNNING.test(message)) return new AgentNotRunningError(message, details);
  if (VM_NOT_RUNNING.test(message)) return new VmNotRunningError(message, details);
  if (ALREADY_EXISTS.test(message)) return new AlreadyExistsError(message, details);
  if (NOT_FOUND.test(message)) return new NotFoundError(message, details);
  return undefined;
}

export function isLockTimeoutMessage(message: string): boolean {
  return LOCK_TIMEOUT.test(message);
}
