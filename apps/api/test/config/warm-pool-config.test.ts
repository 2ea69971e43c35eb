// WARM_POOL and WARM_POOL_MODE as an admin writes them: what is read, and the one sentence a mistake gets (the
// API and the workers refuse to start with it).
import { describe, expect, it } from 'vitest';
import { load } from './load-config.js';

describe('WARM_POOL', () => {
  it('reads game:count pairs and the mode; none by default, stopped by default', () => {
    expect(load({}).warmPool).toEqual({ sizes: new Map(), mode: 'stopped' });
    const { warmPool } = load({ WARM_POOL: ' minecraft-java:2, valheim : 1 ', WARM_POOL_MODE: 'booted' });
    expect([...warmPool.sizes]).toEqual([
      ['minecraft-java', 2],
      ['valheim', 1],
    ]);
    expect(warmPool.mode).toBe('booted');
  });

  it.each([
    ['valhiem:1', /WARM_POOL.*There is no game `valhiem`; did you mean `valheim`\?/],
    ['valheim', /WARM_POOL.*'valheim' needs a count from 0 to 20 after the colon/],
    ['valheim:21', /WARM_POOL.*'valheim:21' needs a count from 0 to 20/],
  ])('refuses %s, naming the variable and what to write', (value, message) => {
    expect(() => load({ WARM_POOL: value })).toThrow(message);
  });

  it('refuses a mode it does not know', () => {
    expect(() => load({ WARM_POOL_MODE: 'warm' })).toThrow(/WARM_POOL_MODE.*stopped.*booted/);
  });
});
