import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SimTokenSpec } from '../api.js';

export interface Identity {
  /** `user@realm` or `user@realm!token`, as it appears in UPIDs. */
  id: string;
  userid: string;
  /** Privileges per ACL path; undefined means every privilege (root@pam, or a token without restrictions). */
  acl?: Record<string, string[]>;
  viaTicket: boolean;
  csrfToken?: string;
}

const TICKET_LIFETIME_MS = 2 * 3600 * 1000;

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Checks API tokens and tickets the way pveproxy does. */
export class Credentials {
  private readonly tickets = new Map<string, { userid: string; csrf: string; expires: number }>();

  constructor(
    private readonly tokens: SimTokenSpec[],
    private readonly users: Record<string, string>,
  ) {}

  /** `Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET`. */
  fromTokenHeader(header: string): Identity | undefined {
    const match = /^PVEAPIToken[= ]([^=\s]+@[^=\s!]+![^=\s]+)=(\S+)$/.exec(header.trim());
    if (!match) return undefined;
    const token = this.tokens.find((t) => t.id === match[1]);
    if (!token || !sameSecret(token.secret, match[2]!)) return undefined;
    return { id: token.id, userid: token.id.split('!')[0]!, acl: token.acl, viaTicket: false };
  }

  fromTicket(ticket: string): Identity | undefined {
    const entry = this.tickets.get(ticket);
    if (!entry || entry.expires < Date.now()) return undefined;
    return { id: entry.userid, userid: entry.userid, viaTicket: true, csrfToken: entry.csrf };
  }

  issueTicket(username: string, password: string): { ticket: string; csrf: string } | undefined {
    const expected = this.users[username];
    if (expected === undefined || !sameSecret(expected, password)) return undefined;
    const stamp = Math.floor(Date.now() / 1000)
      .toString(16)
      .toUpperCase();
    const ticket = `PVE:${username}:${stamp}::${randomBytes(64).toString('base64')}`;
    const csrf = `${stamp}:${randomBytes(20).toString('base64url')}`;
    this.tickets.set(ticket, { userid: username, csrf, expires: Date.now() + TICKET_LIFETIME_MS });
    return { ticket, csrf };
  }
}

/** Whether an identity holds `priv` on `path`; ACLs propagate from a path to everything below it. */
export function hasPrivilege(identity: Identity, path: string, priv: string): boolean {
  if (!identity.acl) return true;
  for (const [aclPath, privs] of Object.entries(identity.acl)) {
    const covers = aclPath === '/' || path === aclPath || path.startsWith(`${aclPath}/`);
    if (covers && privs.includes(priv)) return true;
  }
  return false;
}
