import { describe, expect, it } from 'vitest';
import { errorFromNetwork } from '../src/errors/from-network';
import { shouldRetry } from '../src/http/retry-policy';
import {
  InvalidParamsError,
  LockTimeoutError,
  NodeOfflineError,
  ProxmoxApiError,
  UnreachableError,
} from '../src/index';

describe('shouldRetry', () => {
  const reset = new UnreachableError('connection reset');
  const refused = errorFromNetwork(
    Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    'POST',
    '/x',
    'https://pve:8006',
  );

  it('retries GETs on network failures and 502/503/504', () => {
    expect(shouldRetry(reset, 'GET', 'safe')).toBe(true);
    expect(shouldRetry(new ProxmoxApiError('bad gateway', { status: 502 }), 'GET', 'safe')).toBe(true);
    expect(shouldRetry(new ProxmoxApiError('boom', { status: 500 }), 'GET', 'safe')).toBe(false);
  });

  it('retries writes only when nothing can have happened', () => {
    expect(shouldRetry(reset, 'POST', 'safe')).toBe(false);
    expect(shouldRetry(refused, 'POST', 'safe')).toBe(true);
    expect(shouldRetry(new LockTimeoutError("can't lock file - got timeout"), 'PUT', 'safe')).toBe(true);
    expect(shouldRetry(new NodeOfflineError('No route to host', { status: 595 }), 'POST', 'safe')).toBe(true);
    expect(shouldRetry(new ProxmoxApiError('bad gateway', { status: 502 }), 'POST', 'safe')).toBe(false);
  });

  it('never retries in `never` mode (clone) nor on parameter errors', () => {
    expect(shouldRetry(new LockTimeoutError('lock'), 'POST', 'never')).toBe(false);
    expect(shouldRetry(refused, 'POST', 'never')).toBe(false);
    expect(shouldRetry(new InvalidParamsError('bad', {}), 'GET', 'safe')).toBe(false);
  });
});
