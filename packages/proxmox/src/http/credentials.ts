import type { ProxmoxAuth } from '../options';
import type { Redactor } from '../redact';

export interface Credentials {
  headers(method: string): Promise<Record<string, string>>;
  /** After a 401: renew if possible; true when the request is worth repeating. */
  renew(): Promise<boolean>;
}

export interface Ticket {
  ticket: string;
  csrfToken: string;
}

export type Login = (username: string, password: string) => Promise<Ticket>;

export function createCredentials(
  auth: ProxmoxAuth,
  redactor: Redactor,
  login: Login,
  renewAfterMs: number,
  now: () => number = Date.now,
): Credentials {
  if (auth.kind === 'token') {
    redactor.add(auth.secret);
    const header = `PVEAPIToken=${auth.tokenId}=${auth.secret}`;
    return {
      headers: async () => ({ authorization: header }),
      renew: async () => false,
    };
  }
  redactor.add(auth.password);
  return new TicketSession(auth.username, auth.password, redactor, login, renewAfterMs, now);
}

class TicketSession implements Credentials {
  #current: (Ticket & { issuedAt: number }) | undefined;
  #pending: Promise<Ticket> | undefined;

  constructor(
    private readonly username: string,
    private readonly password: string,
    private readonly redactor: Redactor,
    private readonly login: Login,
    private readonly renewAfterMs: number,
    private readonly now: () => number,
  ) {}

  async headers(method: string): Promise<Record<string, string>> {
    const fresh = this.#current && this.now() - this.#current.issuedAt < this.renewAfterMs;
    const ticket = fresh && this.#current ? this.#current : await this.#fetch();
    const headers: Record<string, string> = { cookie: `PVEAuthCookie=${ticket.ticket}` };
    if (method !== 'GET') headers.csrfpreventiontoken = ticket.csrfToken;
    return headers;
  }

  async renew(): Promise<boolean> {
    this.#current = undefined;
    await this.#fetch();
    return true;
  }

  /** One login at a time, shared by every request waiting for it. */
  #fetch(): Promise<Ticket> {
    this.#pending ??= this.login(this.username, this.password)
      .then((ticket) => {
        this.redactor.add(ticket.ticket);
        this.redactor.add(ticket.csrfToken);
        this.#current = { ...ticket, issuedAt: this.now() };
        return ticket;
      })
      .finally(() => {
        this.#pending = undefined;
      });
    return this.#pending;
  }
}
