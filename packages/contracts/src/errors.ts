import { z } from 'zod';

/**
 * Stable error codes every side agrees on: the API answers them, the bot turns each into one plain
 * sentence, the CLI prints them. Add codes; never rename one.
 */
export const ERROR_CODES = [
  'game_unknown',
  'game_unavailable',
  'name_invalid',
  'name_taken',
  'quota_exceeded',
  'not_owner',
  'not_found',
  'invalid_state',
  'invalid_request',
  'ports_exhausted',
  'backups_unavailable',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'proxmox_unreachable',
  'proxmox_auth_failed',
  'proxmox_permission_denied',
  'internal',
  'unsupported_media_type',
] as const;

export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/** Every API failure: `{ "error": { "code", "message" } }`, the message one sentence for a person. */
export const errorBodySchema = z.object({
  error: z.object({
    code: errorCodeSchema,
    message: z.string().min(1),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
