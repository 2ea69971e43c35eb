import { accessSync, constants, statSync } from 'node:fs';
import { z } from 'zod';

// Schemas for the values of the PROXMOX_* variables.

export interface ProxmoxEndpoint {
  host: string;
  port: number;
  /** `https://host:port`, what the client wants (no /api2/json). */
  baseUrl: string;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `host`, `host:port`, `https://host[:port]` (default port 8006). `http://` is accepted for loopback only,
 * where the simulator runs; a real node is never spoken to in clear text.
 */
export const proxmoxEndpoint: z.ZodType<ProxmoxEndpoint> = z.string().transform((text, ctx) => {
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a URL' });
    return z.NEVER;
  }
  const host = url.hostname;
  const schemeOk = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(host));
  const hostOk =
    HOSTNAME.test(host) || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || /^\[[0-9a-f:.]+\]$/i.test(host);
  const pathOk = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  if (!schemeOk || !hostOk || !pathOk) {
    ctx.addIssue({ code: 'custom', message: 'bad host' });
    return z.NEVER;
  }
  const port = url.port === '' ? 8006 : Number(url.port);
  return { host, port, baseUrl: `${url.protocol}//${host}:${port}` };
});

/** `user@realm!tokenname`, as PVE spells token ids. */
export const tokenId: z.ZodType<string> = z
  .string()
  .regex(/^[^\s:/@!]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$/);

export const userId: z.ZodType<string> = z.string().regex(/^[^\s:/@!]+@[A-Za-z][A-Za-z0-9.\-_]+$/);

export const nodeName: z.ZodType<string> = z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/);

export const bridgeName: z.ZodType<string> = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_.-]{0,14}$/);

export const storageId: z.ZodType<string> = z.string().regex(/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i);

/** A snippet volume such as `local:snippets/game.yaml`. */
export const snippetVolume: z.ZodType<string> = z
  .string()
  .regex(/^[a-z][a-z0-9\-_.]*[a-z0-9]:snippets\/[^\s,]+$/i);

/** SHA-256 certificate fingerprint, 32 colon-separated hex bytes, returned upper-case. */
export const sha256Fingerprint: z.ZodType<string> = z
  .string()
  .regex(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/i)
  .transform((v) => v.toUpperCase());

export const readableFile: z.ZodType<string> = z.string().refine((path) => {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
});

const KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/** `<type> <base64> [comment]` whose base64 blob really is a key of that type. */
export function isOpenSshPublicKey(line: string): boolean {
  const [type, blob] = line.split(/\s+/);
  if (!type || !blob || !KEY_TYPES.has(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return false;
  const bytes = Buffer.from(blob, 'base64');
  if (bytes.length < 4 + type.length) return false;
  const nameLength = bytes.readUInt32BE(0);
  return nameLength === type.length && bytes.subarray(4, 4 + nameLength).toString('latin1') === type;
}

/** One or more keys, one per line (a literal `\n` also separates, for single-line .env files). */
export const sshPublicKeys: z.ZodType<string[]> = z
  .string()
  .transform((text) =>
    text
      .split(/\r?\n|\\n/)
      .map((line) => line.trim())
      .filter((line) => line !== ''),
  )
  .pipe(z.array(z.string().refine(isOpenSshPublicKey)).min(1));
