// The holder's rate limits, on a clock the test moves: UDP replies per source per second (a bounded map of
// sources), and one wake per server per interval.
import { describe, expect, it } from 'vitest';
import { OncePerInterval, ReplyBudget } from '../../src/asleep/limits.js';

describe('the reply budget', () => {
  it('lets a source have its replies per second, then none until the next second; other sources are their own', () => {
    let clock = 0;
    const budget = new ReplyBudget(3, 100, () => clock);
    expect([1, 2, 3, 4].map(() => budget.take('198.51.100.7'))).toEqual([true, true, true, false]);
    expect(budget.take('203.0.113.9')).toBe(true);
    clock += 999;
    expect(budget.take('198.51.100.7')).toBe(false);
    clock += 1;
    expect(budget.take('198.51.100.7')).toBe(true);
  });

  it('remembers a bounded number of sources, forgetting the least recently seen', () => {
    const budget = new ReplyBudget(1, 2, () => 0);
    expect(budget.take('a')).toBe(true);
    expect(budget.take('b')).toBe(true);
    expect(budget.take('a')).toBe(false); // a is now the most recently seen
    expect(budget.take('c')).toBe(true); // b is forgotten
    expect(budget.take('a')).toBe(false);
    expect(budget.take('b')).toBe(true); // forgotten, so a fresh budget; c goes
    expect(budget.take('c')).toBe(true);
  });
});

describe('once per interval', () => {
  it('lets one event per key through per interval', () => {
    let clock = 0;
    const once = new OncePerInterval(10_000, () => clock);
    expect(once.take('srv_survival0001')).toBe(true);
    expect(once.take('srv_creative0001')).toBe(true);
    clock += 9_999;
    expect(once.take('srv_survival0001')).toBe(false);
    clock += 1;
    expect(once.take('srv_survival0001')).toBe(true);
  });
});
