import type { TlsOptions } from './http/tls-connector';
import type { LoggerLike } from './logger';

export type ProxmoxAuth =
  /** API token: `Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET`. */
  | { kind: 'token'; tokenId: string; secret: string }
  /** Ticket from `POST /access/ticket`, renewed before its two-hour lifetime ends. */
  | { kind: 'ticket'; username: string; password: string };

export interface RetryOptions {
  /** Total tries of one request, first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface ProxmoxClientOptions {
  /** `https://host:8006` (no `/api2/json`); `http://` is accepted for the simulator. */
  baseUrl: string;
  auth: ProxmoxAuth;
  tls?: TlsOptions;
  /** Sockets kept to the API host. Default 16. */
  connections?: number;
  /** Idle keep-alive per socket. Default 30 s. */
  keepAliveTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Time allowed for the response headers and body of one request. Default 60 s. */
  requestTimeoutMs?: number;
  retry?: RetryOptions;
  /** Re-login this long after a ticket was issued (PVE tickets last 2 h). Default 90 min. */
  ticketRenewAfterMs?: number;
  logger?: LoggerLike;
}

export const DEFAULTS = {
  connections: 16,
  keepAliveTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  retry: { attempts: 4, baseDelayMs: 250, maxDelayMs: 5_000 },
  ticketRenewAfterMs: 90 * 60_000,
} as const;

/**
 * Connection settings as `@guildserver/config` produces them. Declared structurally here so that neither
 * package imports the other.
 */
export interface ProxmoxConnectionSettings {
  baseUrl: string;
  auth:
    | { kind: 'token'; tokenId: string; tokenSecret: string }
    | { kind: 'ticket'; username: string; password: string };
  tls: { caFile?: string | undefined; fingerprint?: string | undefined; insecure: boolean };
  maxConnections: number;
}

export function toProxmoxClientOptions(
  settings: ProxmoxConnectionSettings,
  extra: Partial<Omit<ProxmoxClientOptions, 'baseUrl' | 'auth' | 'tls' | 'connections'>> = {},
): ProxmoxClientOptions {
  const auth: ProxmoxAuth =
    settings.auth.kind === 'token'
      ? { kind: 'token', tokenId: settings.auth.tokenId, secret: settings.auth.tokenSecret }
      : { kind: 'ticket', username: settings.auth.username, password: settings.auth.password };
  const tls: TlsOptions = { insecure: settings.tls.insecure };
  if (settings.tls.caFile) tls.caFile = settings.tls.caFile;
  if (settings.tls.fingerprint) tls.fingerprint = settings.tls.fingerprint;
  return { ...extra, baseUrl: settings.baseUrl, auth, tls, connections: settings.maxConnections };
}
