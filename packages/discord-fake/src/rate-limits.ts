// 429s on the routes a test chooses: the next `times` matching requests are refused with Discord's body
// (`retry_after` in seconds, `global`) and headers (`Retry-After`, `X-RateLimit-*`), then the route works again.

export interface RateLimitRule {
  method?: string;
  /**
   * The path after `/api/v10`: a concrete path (`/channels/123/messages`), a template with `{param}`, `:param`
   * or `*` segments (`/channels/{channel_id}/messages`), or a RegExp tested against the concrete path.
   */
  path: string | RegExp;
  /** How many requests are refused (default 1). */
  times?: number;
  /** Seconds the client must wait (default 0.25). */
  retryAfter?: number;
  /** A global limit (`X-RateLimit-Global`, `global: true`) rather than the route's bucket. */
  global?: boolean;
}

export interface RateLimitHit {
  retryAfter: number;
  global: boolean;
  bucket: string;
}

interface ActiveRule {
  method?: string;
  test: (path: string, template: string) => boolean;
  left: number;
  retryAfter: number;
  global: boolean;
  bucket: string;
}

/** A matcher for a rule's `path` (see RateLimitRule.path); also used by response holds. */
export function compilePathMatcher(path: string | RegExp): (path: string, template: string) => boolean {
  if (path instanceof RegExp) return (p) => path.test(p);
  const pattern = new RegExp(
    `^${path
      .split('/')
      .map((s) => (/^(\{[^}]+\}|:\w+|\*)$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/')}$`,
  );
  return (p, template) => template === path || pattern.test(p);
}

export class RateLimiter {
  private rules: ActiveRule[] = [];
  private buckets = 0;

  add(rule: RateLimitRule): void {
    this.rules.push({
      ...(rule.method ? { method: rule.method.toUpperCase() } : {}),
      test: compilePathMatcher(rule.path),
      left: rule.times ?? 1,
      retryAfter: rule.retryAfter ?? 0.25,
      global: rule.global ?? false,
      bucket: `fakebucket${++this.buckets}`,
    });
  }

  take(method: string, path: string, template: string): RateLimitHit | undefined {
    for (const rule of this.rules) {
      if (rule.left <= 0 || (rule.method && rule.method !== method) || !rule.test(path, template)) continue;
      rule.left--;
      this.rules = this.rules.filter((r) => r.left > 0);
      return { retryAfter: rule.retryAfter, global: rule.global, bucket: rule.bucket };
    }
    return undefined;
  }

  clear(): void {
    this.rules = [];
  }
}
