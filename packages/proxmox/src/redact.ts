// Every secret the client knows (token secret, password, ticket, CSRF token, cipassword values it sent)
// is replaced before a string reaches a log line or an error.

const MASK = '[redacted]';
/** Shorter values would mask ordinary words; PVE secrets are far longer. */
const MIN_SECRET_LENGTH = 4;

/** Parameters whose values are secrets wherever they appear. */
export const SECRET_PARAMS: ReadonlySet<string> = new Set(['password', 'cipassword', 'new-password', 'otp']);

export class Redactor {
  readonly #secrets = new Set<string>();
  /** Secrets learnt later by the parent (a ticket issued mid-request) still count. */
  readonly #parent: Redactor | undefined;

  constructor(parent?: Redactor) {
    this.#parent = parent;
  }

  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH) return;
    this.#secrets.add(secret);
    // The same secret as it appears once or twice URL-encoded (form bodies, echoed parameters).
    const encoded = encodeURIComponent(secret);
    this.#secrets.add(encoded);
    this.#secrets.add(encodeURIComponent(encoded));
  }

  /** A redactor knowing these secrets as well, for one request. */
  with(extra: Iterable<string>): Redactor {
    const child = new Redactor(this);
    for (const s of extra) child.add(s);
    return child;
  }

  #all(): string[] {
    const inherited = this.#parent ? this.#parent.#all() : [];
    return [...this.#secrets, ...inherited];
  }

  text(value: string): string {
    let out = value;
    // Longest first, so a secret containing another is masked whole.
    for (const secret of this.#all().sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join(MASK);
    }
    return out;
  }

  record(value: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.text(v)]));
  }

  /** Redacts every string inside a JSON-like value. */
  deep(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.deep(v));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.deep(v)]));
    }
    return value;
  }
}
