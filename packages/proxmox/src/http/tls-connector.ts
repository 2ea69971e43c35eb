import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { TlsMismatchError, TlsUntrustedError } from '../errors/classes';

export interface TlsOptions {
  /** PEM file of the cluster CA (`/etc/pve/pve-root-ca.pem`). */
  caFile?: string;
  /** PEM text, instead of a file. */
  ca?: string | Buffer;
  /** SHA-256 fingerprint of the node certificate, colon-hex, any case. */
  fingerprint?: string;
  /** Accept any certificate. Must be explicit; logs a warning. */
  insecure?: boolean;
}

export const FINGERPRINT_PATTERN = /^([0-9a-f]{2}:){31}[0-9a-f]{2}$/i;

export function normalizeFingerprint(fingerprint: string): string {
  const value = fingerprint.trim().toUpperCase();
  if (!FINGERPRINT_PATTERN.test(value)) {
    throw new TypeError('TLS fingerprint must be 32 colon-separated hex bytes (SHA-256), e.g. AB:CD:...');
  }
  return value;
}

const HOW_TO_FIX =
  "set PROXMOX_TLS_FINGERPRINT to the node's ssl_fingerprint (GET /nodes, or `pvenode cert info` on the node)";

/**
 * Trust rules (decided once, here):
 * - insecure: any certificate.
 * - fingerprint only: exactly that certificate.
 * - CA file only: a certificate that chains to it and names the host.
 * - CA file and fingerprint: either passes — the CA keeps working after the node certificate is renewed,
 *   the pin keeps working if the CA file is stale; an unknown certificate still fails.
 * - nothing: the system roots (a node with a publicly trusted certificate, e.g. ACME).
 *
 * Verification runs after the handshake (rejectUnauthorized off) so a failure becomes one clear typed error.
 */
export function buildTlsConnector(options: TlsOptions, connectTimeoutMs: number): buildConnector.connector {
  const ca = options.ca ?? (options.caFile ? readFileSync(options.caFile) : undefined);
  const pinned = options.fingerprint ? normalizeFingerprint(options.fingerprint) : undefined;
  const base = buildConnector({
    rejectUnauthorized: false,
    // A resumed TLS session presents no certificate to check, and a session could be cached from a socket
    // we then refused: no resumption, every connection proves itself.
    maxCachedSessions: 0,
    timeout: connectTimeoutMs,
    ...(ca === undefined ? {} : { ca }),
  });

  return (connectOptions, callback) => {
    base(connectOptions, (error, socket) => {
      if (error || !socket) {
        callback(error ?? new Error('TLS connect failed'), null);
        return;
      }
      if (connectOptions.protocol !== 'https:' || options.insecure) {
        callback(null, socket);
        return;
      }
      const tlsSocket = socket as TLSSocket;
      const presented = tlsSocket.getPeerCertificate().fingerprint256?.toUpperCase();
      const pinMatches = pinned !== undefined && presented === pinned;
      const caAccepts = (pinned === undefined || ca !== undefined) && tlsSocket.authorized;
      if (pinMatches || caAccepts) {
        callback(null, socket);
        return;
      }
      const failure = pinned
        ? new TlsMismatchError(
            `TLS certificate fingerprint of ${connectOptions.hostname} did not match the pinned fingerprint ` +
              `(server presented ${presented ?? 'no certificate'}); ${HOW_TO_FIX}` +
              (ca ? ', or check PROXMOX_CA_FILE.' : '.'),
          )
        : new TlsUntrustedError(
            `TLS certificate of ${connectOptions.hostname} is not trusted (${String(tlsSocket.authorizationError)}); ` +
              (ca
                ? 'check that PROXMOX_CA_FILE holds the cluster CA (/etc/pve/pve-root-ca.pem) or '
                : 'set PROXMOX_CA_FILE to the cluster CA (/etc/pve/pve-root-ca.pem) or ') +
              `${HOW_TO_FIX}.`,
          );
      socket.destroy();
      callback(failure, null);
    });
  };
}
