import { type CliEnvironment, DEFAULT_STATE_FILE } from '../config.js';
import { CliError } from '../errors.js';
import { readStackState, type StackState } from '../stack/state-file.js';

/** Where `gs` sends its requests, and with which token. */
export interface ApiTarget {
  baseUrl: string;
  token: string;
}

/** The target, and the local stack's state when that is where the target came from. */
export interface ResolvedTarget extends ApiTarget {
  stack?: StackState;
}

/**
 * API_URL and API_TOKEN win; whatever they leave open comes from the local stack's state file
 * (its token only when it is for the same URL).
 */
export function resolveApiTarget(env: CliEnvironment): ResolvedTarget {
  const stateFile = env.stateFile ?? DEFAULT_STATE_FILE;
  const state = env.apiUrl && env.apiToken ? undefined : readStackState(stateFile);
  const baseUrl = env.apiUrl ?? state?.apiUrl;
  if (!baseUrl) {
    throw new CliError(
      `API_URL is not set and there is no local stack (${stateFile}): start one with \`bash scripts/start.sh\`, or set API_URL and API_TOKEN.`,
      'not_configured',
    );
  }
  const token = env.apiToken ?? (state && state.apiUrl === baseUrl ? state.token : undefined);
  if (!token) {
    throw new CliError(
      `API_TOKEN is not set: set it to a token for ${baseUrl} (create one with \`gs token create\`, or on the API's machine with \`tsx apps/api/src/main.ts token create --name operator --scope admin\`).`,
      'not_configured',
    );
  }
  const local = state && state.apiUrl === baseUrl && state.token === token ? state : undefined;
  return { baseUrl: baseUrl.replace(/\/+$/, ''), token, ...(local ? { stack: local } : {}) };
}
