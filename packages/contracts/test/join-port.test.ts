import { describe, expect, it } from 'vitest';
import { joinPortOf } from '../src/index.js';

describe('joinPortOf', () => {
  it("is the game's first game port even when its second got the lower number (Satisfactory, ARK)", () => {
    const ports = [
      { purpose: 'game', index: 2, protocol: 'tcp' as const, port: 20000, guestPort: 8888 },
      { purpose: 'game', index: 1, protocol: 'udp' as const, port: 20001, guestPort: 7777 },
      { purpose: 'game', index: 1, protocol: 'tcp' as const, port: 20001, guestPort: 7777 },
    ];
    expect(joinPortOf(ports)?.guestPort).toBe(7777);
  });

  it('takes a port without an index (an older API) as the first, and any port when none is for the game', () => {
    expect(
      joinPortOf([
        { purpose: 'query', port: 20005 },
        { purpose: 'game', port: 20004 },
      ])?.port,
    ).toBe(20004);
    expect(joinPortOf([{ purpose: 'query', port: 20005 }])?.port).toBe(20005);
    expect(joinPortOf([])).toBeUndefined();
  });
});
