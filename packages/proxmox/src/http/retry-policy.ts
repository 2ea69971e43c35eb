import {
  LockTimeoutError,
  NodeOfflineError,
  ProxmoxApiError,
  type ProxmoxError,
  UnreachableError,
} from '../errors/classes';
import { RequestNotSentError } from '../errors/from-network';

/** `never` is for calls whose repetition could duplicate work without us knowing (clone). */
export type RetryMode = 'safe' | 'never';

/**
 * A retry must not be able to do the work twice:
 * - any method: the connection was never made, a lock time-out (PVE changed nothing), 595 (the node in the
 *   path was not reached);
 * - GET only, being read-only: any network failure and 502/503/504.
 */
export function shouldRetry(error: ProxmoxError, method: string, mode: RetryMode): boolean {
  if (mode === 'never') return false;
  if (error instanceof LockTimeoutError || error instanceof NodeOfflineError) return true;
  if (error instanceof RequestNotSentError) return true;
  if (method !== 'GET') return false;
  if (error instanceof UnreachableError) return true;
  return (
    error instanceof ProxmoxApiError && error.status !== undefined && [502, 503, 504].includes(error.status)
  );
}
