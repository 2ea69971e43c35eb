// The API client as `gs` uses it: a longer time-out than the bot's, writes retried after a failed connection,
// and the way to start the API named when it cannot be reached.
import { type ApiClient, createApiClient } from '@guildserver/api-client';
import type { ApiTarget } from './target.js';

export function createCliApiClient(target: ApiTarget): ApiClient {
  return createApiClient({
    ...target,
    timeoutMs: 30_000,
    writeAttempts: 3,
    unreachableAdvice: 'start it with `bash scripts/start.sh` or set API_URL to where it runs',
  });
}
