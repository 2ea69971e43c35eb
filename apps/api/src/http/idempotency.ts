import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { MiddlewareHandler } from 'hono';
import type { Db } from '../db/database.js';
import { idempotencyKeys } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { now } from '../domain/ids.js';
import type { ApiEnv } from './context.js';

const KEY_FORM = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on POST and DELETE: the first answer (below 500) is stored per token and key and
 * replayed for a retry with the same request; the same key with a different request is refused.
 */
export function idempotency(db: Db): MiddlewareHandler<ApiEnv> {
  const inFlight = new Map<string, Promise<void>>();
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined || (c.req.method !== 'POST' && c.req.method !== 'DELETE')) return next();
    if (!KEY_FORM.test(key)) {
      throw new DomainError(
        'invalid_request',
        'Idempotency-Key must be 1 to 255 printable characters without spaces.',
      );
    }
    const tokenId = c.get('actor').tokenId;
    const slot = `${tokenId}\0${key}`;
    // A concurrent duplicate waits for the first to finish, then is answered from what it stored.
    while (inFlight.has(slot)) await inFlight.get(slot);

    const requestHash = createHash('sha256')
      .update(`${c.req.method} ${c.req.path}\n${await c.req.text()}`)
      .digest('hex');
    const where = and(eq(idempotencyKeys.tokenId, tokenId), eq(idempotencyKeys.key, key));
    const stored = db.select().from(idempotencyKeys).where(where).get();
    if (stored) {
      if (stored.requestHash !== requestHash) {
        throw new DomainError(
          'invalid_request',
          'This Idempotency-Key was already used for a different request; use a new key.',
        );
      }
      return new Response(stored.body, {
        status: stored.status,
        headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true' },
      });
    }

    let release = () => {};
    inFlight.set(slot, new Promise<void>((resolve) => (release = resolve)));
    try {
      await next();
      if (c.res.status < 500) {
        const body = await c.res.clone().text();
        db.insert(idempotencyKeys)
          .values({ tokenId, key, requestHash, status: c.res.status, body, createdAt: now() })
          .onConflictDoNothing()
          .run();
      }
    } finally {
      inFlight.delete(slot);
      release();
    }
  };
}
