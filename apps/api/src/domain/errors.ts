import type { ErrorCode } from '@guildserver/contracts';

const STATUS: Record<ErrorCode, number> = {
  game_unknown: 400,
  game_unavailable: 409,
  name_invalid: 400,
  invalid_request: 400,
  unsupported_media_type: 415,
  name_taken: 409,
  invalid_state: 409,
  quota_exceeded: 403,
  not_owner: 403,
  forbidden: 403,
  unauthorized: 401,
  not_found: 404,
  ports_exhausted: 503,
  backups_unavailable: 503,
  rate_limited: 429,
  proxmox_unreachable: 503,
  proxmox_auth_failed: 502,
  proxmox_permission_denied: 502,
  internal: 500,
};

/** A failure a user can act on: a stable code, one sentence, and the HTTP status it maps to. */
export class DomainError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = STATUS[code];
  }
}
