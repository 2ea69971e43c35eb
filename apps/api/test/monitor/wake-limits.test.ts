// How often joins may wake servers: per server (no flapping) and per source address (no waking a guild by scan).
import { describe, expect, it } from 'vitest';
import { WAKES_PER_SERVER, WAKES_PER_SOURCE, WakeLimits, WINDOW_MS } from '../../src/domain/wake-limits.js';

describe('wake limits', () => {
  it('lets a server be woken by joins a few times an hour, then says why not and when again', () => {
    const limits = new WakeLimits();
    const at = 1_000_000;
    for (let i = 0; i < WAKES_PER_SERVER; i++)
      expect(limits.allow('srv_a', `198.51.100.${i}`, at + i * 60_000)).toEqual({ allowed: true });
    expect(limits.allow('srv_a', '198.51.100.99', at + 10 * 60_000)).toEqual({
      allowed: false,
      reason: 'it was woken by a join 6 times in the last hour',
      retryAfterSeconds: 50 * 60,
    });
    // Another server is not held back by it; an hour after the first wake, one more is allowed.
    expect(limits.allow('srv_b', '198.51.100.99', at + 10 * 60_000).allowed).toBe(true);
    expect(limits.allow('srv_a', '198.51.100.99', at + WINDOW_MS).allowed).toBe(true);
  });

  it('keeps one source address from waking every server of a guild', () => {
    const limits = new WakeLimits();
    const scanner = '203.0.113.9';
    for (let i = 0; i < WAKES_PER_SOURCE; i++)
      expect(limits.allow(`srv_${i}`, scanner, i).allowed).toBe(true);
    const refused = limits.allow('srv_next', scanner, WAKES_PER_SOURCE);
    expect(refused).toMatchObject({
      allowed: false,
      reason: 'this address woke servers 10 times in the last hour',
    });
    // A refused wake counts for nothing: the server itself is still free to be woken by someone else.
    expect(limits.allow('srv_next', '198.51.100.1', WAKES_PER_SOURCE).allowed).toBe(true);
  });
});
