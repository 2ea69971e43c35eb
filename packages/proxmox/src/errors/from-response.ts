import {
  AlreadyExistsError,
  AuthFailedError,
  InvalidParamsError,
  NodeOfflineError,
  NotFoundError,
  PermissionDeniedError,
  ProxmoxApiError,
  type ProxmoxError,
} from './classes';
import { errorFromMessage } from './from-message';

export interface FailedResponse {
  method: string;
  path: string;
  status: number;
  /** HTTP reason phrase: PVE puts its error text here on every version. */
  statusText: string;
  /** Parsed JSON body, if any: `{data:null}`, plus `message` from 8.3, plus `errors` on 400. */
  body: unknown;
}

/** Text (already redacted by the caller) → typed error. */
export function errorFromResponse(response: FailedResponse): ProxmoxError {
  const { status, method, path } = response;
  const details = { status, method, path };
  const text = pveMessage(response);
  const where = `${method} ${path}`;

  if (status === 401) {
    return new AuthFailedError(
      `Proxmox rejected the credentials (${text}) on ${where}: check the API token id and secret ` +
        '(PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET) or the user and password',
      details,
    );
  }
  if (status === 403) {
    return new PermissionDeniedError(
      `Proxmox denied ${where}: ${text}; grant that privilege to the token (docs/proxmox-setup.md)`,
      details,
    );
  }
  if (status === 595 || status === 596) {
    const node = /^\/nodes\/([^/]+)/.exec(path)?.[1];
    return new NodeOfflineError(
      `Proxmox node ${node ? `'${node}' ` : ''}is offline or unreachable from the API host (${status} ${text}) ` +
        `on ${where}: bring the node back or set PROXMOX_NODE to an online node`,
      details,
    );
  }

  const fieldErrors = fieldErrorsOf(response.body);
  if (status === 400 && fieldErrors) {
    const summary = Object.entries(fieldErrors)
      .map(([field, message]) => `${field}: ${message}`)
      .join('; ');
    const message = `Proxmox refused the parameters of ${where}: ${summary}`;
    // `GET /cluster/nextid?vmid=N` answers a parameter error when N is taken.
    if (Object.values(fieldErrors).some((m) => /\balready exists\b/i.test(m))) {
      return new AlreadyExistsError(message, details);
    }
    return new InvalidParamsError(message, fieldErrors, details);
  }
  if (status === 400) {
    return (
      errorFromMessage(text, details) ??
      new InvalidParamsError(`Proxmox refused ${where}: ${text}`, {}, details)
    );
  }

  const specific = errorFromMessage(text, details);
  if (specific) return specific;
  if (status === 404) return new NotFoundError(`Not found: ${where} (${text})`, details);
  return new ProxmoxApiError(`Proxmox answered ${status} on ${where}: ${text}`, details);
}

function pveMessage(response: FailedResponse): string {
  const body = response.body;
  if (isRecord(body) && typeof body.message === 'string' && body.message.trim() !== '') {
    return body.message.trim();
  }
  return response.statusText.trim() || `HTTP ${response.status}`;
}

function fieldErrorsOf(body: unknown): Record<string, string> | undefined {
  if (!isRecord(body) || !isRecord(body.errors)) return undefined;
  const entries = Object.entries(body.errors).map(([k, v]) => [k, String(v).trim()] as const);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
