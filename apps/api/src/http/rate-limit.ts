import type { MiddlewareHandler } from 'hono';
import { DomainError } from '../domain/errors.js';
import type { ApiEnv } from './context.js';

/** A token bucket per API token: `perMinute` requests, refilled smoothly; 429 with Retry-After when empty. */
export function rateLimit(perMinute: number): MiddlewareHandler<ApiEnv> {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = perMinute / 60_000;
  return async (c, next) => {
    const key = c.get('actor').tokenId;
    const nowMs = Date.now();
    const bucket = buckets.get(key) ?? { tokens: perMinute, at: nowMs };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (nowMs - bucket.at) * refillPerMs);
    bucket.at = nowMs;
    if (bucket.tokens < 1) {
      buckets.set(key, bucket);
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
      throw new DomainError(
        'rate_limited',
        `Too many requests with this token; try again in ${retryAfter} s.`,
        {
          'Retry-After': String(retryAfter),
        },
      );
    }
    bucket.tokens -= 1;
    buckets.set(key, bucket);
    await next();
  };
}
