// MONITOR_INTERVAL, IDLE_SLEEP_AFTER and IDLE_MIN_AWAKE as an admin writes them: lengths of time with their unit,
// `off` for the idle period, and the sentence a mistake gets (the API and the workers refuse to start with it).
import { describe, expect, it } from 'vitest';
import { load } from './load-config.js';

describe('the player monitor settings', () => {
  it('ask every minute, put a server to sleep after 30 minutes idle, and keep it up 10 minutes by default', () => {
    expect(load({}).monitor).toEqual({ intervalMs: 60_000, idleAfterMs: 1_800_000, minAwakeMs: 600_000 });
  });

  it('read lengths of time with their unit, and off', () => {
    expect(load({ MONITOR_INTERVAL: '90s', IDLE_SLEEP_AFTER: '2h', IDLE_MIN_AWAKE: '15m' }).monitor).toEqual({
      intervalMs: 90_000,
      idleAfterMs: 7_200_000,
      minAwakeMs: 900_000,
    });
    expect(load({ MONITOR_INTERVAL: '2 min', IDLE_SLEEP_AFTER: 'off' }).monitor).toEqual({
      intervalMs: 120_000,
      idleAfterMs: null,
      minAwakeMs: 600_000,
    });
  });

  it.each([
    ['MONITOR_INTERVAL', '60', /MONITOR_INTERVAL must be a length of time from 1s to 1h with its unit/],
    ['MONITOR_INTERVAL', '2h', /MONITOR_INTERVAL must be a length of time from 1s to 1h/],
    ['IDLE_SLEEP_AFTER', 'never', /IDLE_SLEEP_AFTER must be off, or a length of time from 1s to 7d/],
    ['IDLE_SLEEP_AFTER', '30', /IDLE_SLEEP_AFTER must be off, or a length of time/],
    ['IDLE_MIN_AWAKE', '2d', /IDLE_MIN_AWAKE must be a length of time from 1s to 1d with its unit/],
  ])('refuse %s=%s, naming the variable and what to write', (name, value, message) => {
    expect(() => load({ [name]: value })).toThrow(message);
  });
});
