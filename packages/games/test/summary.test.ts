import { describe, expect, it } from 'vitest';
import { GAMES, gameSummarySchema, getGame, resolveGameSizes, toGameSummary } from '../src/index';

describe('gameSummarySchema', () => {
  const sizes = resolveGameSizes({ PROXMOX_RESOURCES_VALHEIM: 'memory=12288' });

  it.each(GAMES.map((game) => [game.id, game] as const))('describes %s as the API serves it', (id, game) => {
    const size = sizes.get(id);
    if (!size) throw new Error(`no size for ${id}`);
    const summary = gameSummarySchema.parse(JSON.parse(JSON.stringify(toGameSummary(game, size))));
    expect(summary.id).toBe(id);
    expect(summary.settings).toHaveLength(game.settings.length);
  });

  it('serves the size after overrides, the catalog minimum, and no port numbers', () => {
    const summary = toGameSummary(
      getGame('valheim'),
      sizes.get('valheim') ?? { cores: 0, memory: 0, disk: 0 },
    );
    expect(summary.defaultSize.memory).toBe(12288);
    expect(summary.minimumSize).toEqual({ cores: 2, memory: 4096, disk: 20 });
    expect(summary.ports).toEqual([
      { purpose: 'game', protocol: 'udp' },
      { purpose: 'query', protocol: 'udp' },
    ]);
    expect(JSON.stringify(summary)).not.toContain('2456');
  });

  it('never serves a password default, since password settings have none', () => {
    const summary = toGameSummary(getGame('ark'), getGame('ark').resources.default);
    for (const setting of summary.settings.filter((s) => s.type === 'password')) {
      expect(setting).not.toHaveProperty('default');
    }
  });

  it('refuses a default size below the minimum', () => {
    const summary = toGameSummary(getGame('valheim'), { cores: 1, memory: 4096, disk: 20 });
    expect(gameSummarySchema.safeParse(summary).success).toBe(false);
  });
});
