// The dependency checks behind GET /readyz. Each resolves to null when healthy or to one sentence saying
// what is wrong; a sentence never carries a secret (no URLs with passwords, no tokens, no raw error bodies).
import { isProxmoxError, type ProxmoxClient } from '@guildserver/proxmox';
import { Redis } from 'ioredis';
import type { Db } from '../db/database.js';

export type ReadinessCheck = () => Promise<string | null>;

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One check in flight at a time: probes arriving during a slow check share its answer. */
function singleFlight(check: ReadinessCheck): ReadinessCheck {
  let running: Promise<string | null> | undefined;
  return () => {
    running ??= check().finally(() => {
      running = undefined;
    });
    return running;
  };
}

export function sqliteCheck(db: Db): ReadinessCheck {
  return async () => {
    try {
      db.$client.prepare('SELECT count(*) FROM events WHERE id < 0').get();
      return null;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return `SQLite cannot be queried${typeof code === 'string' ? ` (${code})` : ''}.`;
    }
  };
}

/** Where Redis is, without user name or password. */
function redisPlace(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'the configured address';
  }
}

/**
 * PING over a connection of its own that fails fast while Redis is away (no offline queue) and keeps
 * reconnecting in the background. Close it with the app.
 */
export function redisCheck(url: string, timeoutMs = 2_000): { check: ReadinessCheck; close(): void } {
  const place = redisPlace(url);
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let lastError = 'it does not answer';
  client.on('error', (error: NodeJS.ErrnoException) => {
    lastError = error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? 'connection failed');
  });
  const ready = () =>
    new Promise<void>((resolve, reject) => {
      if (client.status === 'ready') return resolve();
      const onReady = () => {
        client.off('error', onError);
        resolve();
      };
      const onError = () => {
        client.off('ready', onReady);
        reject(new Error(lastError));
      };
      client.once('ready', onReady);
      client.once('error', onError);
      if (client.status === 'wait' || client.status === 'end') client.connect().catch(() => {});
    });
  const check = singleFlight(async () => {
    try {
      await withTimeout(
        ready().then(() => client.ping()),
        timeoutMs,
        () => new Error(`no answer within ${timeoutMs / 1000} s`),
      );
      return null;
    } catch (error) {
      const reason = error instanceof Error && !error.message.includes('://') ? error.message : lastError;
      return `Redis at ${place} is not reachable (${reason}).`;
    }
  });
  return { check, close: () => client.disconnect() };
}

const PROXMOX_REASON: Record<string, string> = {
  unreachable: 'cannot be reached',
  timeout: 'did not answer in time',
  auth_failed: 'rejected the API token or password',
  permission_denied: 'refused the request (permission denied)',
  tls_mismatch: 'presented a certificate that does not match PROXMOX_TLS_FINGERPRINT',
  tls_untrusted: 'presented a certificate that is not trusted',
  node_offline: 'reports the node offline',
};

/** `GET /version` within `timeoutMs`: proves Proxmox answers and accepts our credentials. */
export function proxmoxCheck(proxmox: ProxmoxClient, place: string, timeoutMs = 3_000): ReadinessCheck {
  return singleFlight(async () => {
    try {
      await withTimeout(proxmox.version.get(), timeoutMs, () => new Error('timeout'));
      return null;
    } catch (error) {
      if (isProxmoxError(error)) {
        return `Proxmox at ${place} ${PROXMOX_REASON[error.code] ?? `answered with an error (${error.code})`}.`;
      }
      return `Proxmox at ${place} did not answer within ${timeoutMs / 1000} s.`;
    }
  });
}

/** Runs every check at once; `ok` for a healthy one, its sentence otherwise. */
export async function runReadiness(
  checks: Record<string, ReadinessCheck>,
): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        return [name, (await check()) ?? 'ok'] as const;
      } catch {
        return [name, `The ${name} check failed unexpectedly.`] as const;
      }
    }),
  );
  return { ready: entries.every(([, result]) => result === 'ok'), checks: Object.fromEntries(entries) };
}
