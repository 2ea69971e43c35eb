import { type ProxmoxError, TlsMismatchError, TlsUntrustedError, UnreachableError } from './classes';

/** Codes meaning the connection was never made, so not even a POST can have been executed. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export class RequestNotSentError extends UnreachableError {}

/** undici / socket failure → typed error; the message names the host, never request contents. */
export function errorFromNetwork(error: unknown, method: string, path: string, origin: string): ProxmoxError {
  if (error instanceof TlsMismatchError || error instanceof TlsUntrustedError) return error;
  const code = errorCode(error);
  const details = { method, path, cause: error };
  const reason = describe(code, error);
  if (code !== undefined && NOT_CONNECTED.has(code)) {
    return new RequestNotSentError(`Proxmox API at ${origin} is unreachable: ${reason}`, details);
  }
  return new UnreachableError(`Proxmox API at ${origin} failed during ${method} ${path}: ${reason}`, details);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? undefined : errorCode(cause);
}

function describe(code: string | undefined, error: unknown): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is pveproxy running and the port right?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name could not be resolved';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'no answer in time';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    default: {
      const text = error instanceof Error ? error.message : String(error);
      return code ? `${code}: ${text}` : text;
    }
  }
}
