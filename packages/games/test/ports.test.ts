import { describe, expect, it } from 'vitest';
import { port } from '../src/catalog/parts';
import { GAMES, gamePorts, getGame, queriedOverRcon } from '../src/index';

describe('gamePorts', () => {
  it('gives each port of a game its purpose and index, RCON unpublished', () => {
    expect(gamePorts(getGame('ark'))).toEqual([
      { purpose: 'game', index: 1, protocol: 'udp', guestPort: 7777, published: true },
      { purpose: 'game', index: 2, protocol: 'udp', guestPort: 7778, published: true },
      { purpose: 'query', index: 1, protocol: 'udp', guestPort: 27015, published: true },
      { purpose: 'rcon', index: 1, protocol: 'tcp', guestPort: 27020, published: false },
    ]);
  });

  it("splits 'both' into tcp and udp of the same port", () => {
    expect(gamePorts(getGame('satisfactory'))).toEqual([
      { purpose: 'game', index: 1, protocol: 'tcp', guestPort: 7777, published: true },
      { purpose: 'game', index: 1, protocol: 'udp', guestPort: 7777, published: true },
      { purpose: 'game', index: 2, protocol: 'tcp', guestPort: 8888, published: true },
    ]);
  });

  it('counts each port of a run, and goes on counting after it', () => {
    const game = {
      ports: [
        port('game', 'both', 5000, 'a run', { count: 2 }),
        port('game', 'udp', 6000, 'after the run'),
        port('query', 'udp', 7000, 'its own count'),
      ],
    };
    expect(gamePorts(game)).toEqual([
      { purpose: 'game', index: 1, protocol: 'tcp', guestPort: 5000, published: true },
      { purpose: 'game', index: 1, protocol: 'udp', guestPort: 5000, published: true },
      { purpose: 'game', index: 2, protocol: 'tcp', guestPort: 5001, published: true },
      { purpose: 'game', index: 2, protocol: 'udp', guestPort: 5001, published: true },
      { purpose: 'game', index: 3, protocol: 'udp', guestPort: 6000, published: true },
      { purpose: 'query', index: 1, protocol: 'udp', guestPort: 7000, published: true },
    ]);
  });

  it.each(GAMES.map((game) => [game.id, game] as const))(
    'names every port of %s once: purpose, index and protocol, one guest port per purpose and index',
    (_id, game) => {
      const ports = gamePorts(game);
      const names = ports.map((p) => `${p.purpose}#${p.index}/${p.protocol}`);
      expect(new Set(names).size).toBe(names.length);
      const guestPortOf = new Map<string, number>();
      for (const p of ports) {
        const slot = `${p.purpose}#${p.index}`;
        expect(guestPortOf.get(slot) ?? p.guestPort, slot).toBe(p.guestPort);
        guestPortOf.set(slot, p.guestPort);
      }
    },
  );
});

describe('queriedOverRcon', () => {
  it('holds for the games whose readiness probe logs in over RCON: Factorio alone', () => {
    expect(GAMES.filter(queriedOverRcon).map((game) => game.id)).toEqual(['factorio']);
  });

  it('does not hold for a game that merely has an RCON port (Minecraft: Java is asked over its status ping)', () => {
    const minecraft = getGame('minecraft-java');
    expect(minecraft.ports.some((p) => p.purpose === 'rcon')).toBe(true);
    expect(queriedOverRcon(minecraft)).toBe(false);
  });
});
