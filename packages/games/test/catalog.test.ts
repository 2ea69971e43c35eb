import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  GAME_IDS,
  GAMES,
  type GameDefinition,
  gamePorts,
  getGame,
  isGameId,
  type PortSpec,
  RESOURCE_LIMITS,
  settingValueSchema,
} from '../src/index';

const ANSIBLE = join(import.meta.dirname, '..', '..', '..', 'ansible');

/** Every port number a spec covers, per transport. */
function numbers(spec: PortSpec): { transport: 'tcp' | 'udp'; port: number }[] {
  return gamePorts({ ports: [spec] }).map((p) => ({ transport: p.protocol, port: p.guestPort }));
}

function publicPorts(game: GameDefinition): string[] {
  return gamePorts(game)
    .filter((p) => p.published)
    .map((p) => `${p.guestPort}/${p.protocol}`);
}

describe('the catalog', () => {
  it('holds the eleven games of the issue, each under its own id', () => {
    expect(GAMES.map((g) => g.id)).toEqual([...GAME_IDS]);
    expect(GAME_IDS).toHaveLength(11);
    for (const id of GAME_IDS) expect(getGame(id).id).toBe(id);
  });

  it('tells known ids from anything else', () => {
    expect(isGameId('valheim')).toBe(true);
    expect(isGameId('Valheim')).toBe(false);
    expect(isGameId('toString')).toBe(false);
    expect(getGame('minecraft')).toBeUndefined();
    expect(getGame('constructor')).toBeUndefined();
  });
});

describe.each(GAMES.map((game) => [game.id, game] as const))('%s', (_id, game) => {
  it('has ports from 1 to 65535, none claimed twice on the same transport', () => {
    expect(game.ports.length).toBeGreaterThan(0);
    const seen = new Set<string>();
    for (const spec of game.ports) {
      expect(spec.count).toBeGreaterThanOrEqual(1);
      for (const { transport, port } of numbers(spec)) {
        expect(port).toBeGreaterThanOrEqual(1);
        expect(port).toBeLessThanOrEqual(65535);
        expect(seen.has(`${port}/${transport}`), `${port}/${transport} declared twice`).toBe(false);
        seen.add(`${port}/${transport}`);
      }
    }
  });

  it('marks a port consecutive only when it directly follows the previous entry', () => {
    game.ports.forEach((spec, i) => {
      if (!spec.consecutive) return;
      const previous = game.ports[i - 1];
      expect(previous, 'the first port cannot follow another').toBeDefined();
      if (previous) expect(spec.defaultPort).toBe(previous.defaultPort + previous.count);
    });
  });

  it('lets players in on a game port, and keeps RCON off the internet', () => {
    expect(game.ports.some((p) => p.purpose === 'game' && p.public)).toBe(true);
    for (const spec of game.ports.filter((p) => p.purpose === 'rcon')) expect(spec.public).toBe(false);
  });

  it('is queried or probed on a port it declares, over that port’s transport', () => {
    const declared = game.ports.flatMap(numbers);
    expect(declared).toContainEqual({ transport: game.query.transport, port: game.query.port });
  });

  it('has a minimum no larger than its default, both within the cluster-wide limits', () => {
    const { default: size, minimum } = game.resources;
    for (const key of ['cores', 'memory', 'disk'] as const) {
      expect(minimum[key]).toBeGreaterThanOrEqual(1);
      expect(minimum[key]).toBeLessThanOrEqual(size[key]);
      expect(size[key]).toBeLessThanOrEqual(RESOURCE_LIMITS[key]);
    }
    expect(minimum.memory).toBeGreaterThanOrEqual(512);
    expect(minimum.disk).toBeGreaterThanOrEqual(4);
  });

  it('is installed by playbooks/<id>.yml', () => {
    expect(game.playbook).toBe(`playbooks/${game.id}.yml`);
  });

  it('says how a backup gets a consistent world: RCON only for a game that has an RCON port', () => {
    const { hold, worldDir } = game.backup;
    if (hold.kind === 'rcon') expect(game.ports.map((p) => p.purpose)).toContain('rcon');
    // The role keeps its files under the same directory the catalog names (its data or install directory).
    const defaults = readFileSync(
      join(ANSIBLE, 'roles', game.id.replaceAll('-', '_'), 'defaults', 'main.yml'),
      'utf8',
    );
    expect(defaults).toContain(worldDir);
  });

  it('names where its files come from and how they are checked', () => {
    const route = game.install;
    if (route.kind === 'debian-package') expect(route.packages[0]).toMatch(/^[a-z0-9][a-z0-9.+-]+$/);
    if (route.kind === 'steamcmd') expect(Number.isInteger(route.appId) && route.appId > 0).toBe(true);
    if (route.kind === 'vendor-download') {
      for (const download of route.downloads) {
        expect(download.urlPattern).toMatch(/https:\/\//);
        expect(download.versionSource).toMatch(/https:\/\//);
        expect(download.checksum.how.length).toBeGreaterThan(20);
      }
    }
  });

  it('writes no checksum into the catalog (they are fetched from the vendor at install time)', () => {
    expect(JSON.stringify(game)).not.toMatch(/\b[0-9a-f]{40,}\b/i);
  });

  it('offers settings with unique keys, short labels and defaults that pass their own constraints', () => {
    const keys = game.settings.map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const setting of game.settings) {
      expect(setting.label.length).toBeLessThanOrEqual(45);
      if (setting.type === 'password') {
        expect(setting.minLength).toBeLessThanOrEqual(setting.maxLength);
        continue;
      }
      expect(settingValueSchema(setting).safeParse(setting.default).success, setting.key).toBe(true);
    }
  });
});

describe('what players and operators notice', () => {
  it('Valheim: players connect on 2456/udp and it is queried on 2457, which must stay next to it', () => {
    const valheim = getGame('valheim');
    expect(publicPorts(valheim)).toEqual(['2456/udp', '2457/udp']);
    expect(valheim.query).toMatchObject({ kind: 'gamedig', type: 'valheim', port: 2457 });
    expect(valheim.ports[1]?.consecutive).toBe(true);
    expect(valheim.install).toEqual({ kind: 'steamcmd', appId: 896660 });
    expect(valheim.resources.minimum).toEqual({ cores: 2, memory: 4096, disk: 20 });
  });

  it('Valheim insists on a join password of at least 5 characters', () => {
    const password = getGame('valheim').settings.find((s) => s.key === 'password');
    expect(password).toMatchObject({ type: 'password', required: true, minLength: 5 });
    if (password) expect(settingValueSchema(password).safeParse('abcd').success).toBe(false);
  });

  it('Minecraft Java: players connect on 25565/tcp, the status ping uses the same port, RCON stays private', () => {
    const minecraft = getGame('minecraft-java');
    expect(publicPorts(minecraft)).toEqual(['25565/tcp']);
    expect(minecraft.query).toMatchObject({ kind: 'gamedig', type: 'minecraft', port: 25565 });
    expect(minecraft.ports.find((p) => p.purpose === 'rcon')).toMatchObject({
      defaultPort: 25575,
      public: false,
    });
  });

  it('Minecraft Java runs Paper by default or vanilla, on Java 21, each with a checksum from its publisher', () => {
    const minecraft = getGame('minecraft-java');
    expect(minecraft.settings.find((s) => s.key === 'software')).toMatchObject({
      default: 'paper',
      options: ['paper', 'vanilla'],
    });
    if (minecraft.install.kind !== 'vendor-download') throw new Error('expected a vendor download');
    expect(minecraft.install.downloads.map((d) => [d.variant, d.checksum.kind])).toEqual([
      ['paper', 'published'],
      ['vanilla', 'published'],
    ]);
    expect(minecraft.install.runtime?.name).toBe('Java 21');
  });

  it('Minecraft Bedrock: players connect on 19132/udp; Mojang publishes no checksum and the catalog says so', () => {
    const bedrock = getGame('minecraft-bedrock');
    expect(publicPorts(bedrock)).toEqual(['19132/udp']);
    expect(bedrock.query).toMatchObject({ type: 'mbe', port: 19132, transport: 'udp' });
    if (bedrock.install.kind !== 'vendor-download') throw new Error('expected a vendor download');
    expect(bedrock.install.downloads[0].checksum.kind).toBe('unpublished');
  });

  it('Satisfactory gets the host CPU; every other game the default model', () => {
    expect(getGame('satisfactory').cpu).toBe('host');
    expect(GAMES.filter((g) => g.cpu === 'host').map((g) => g.id)).toEqual(['satisfactory']);
  });

  it('Satisfactory needs 7777 on both TCP and UDP plus 8888/tcp, and no longer the pre-1.0 ports', () => {
    const satisfactory = getGame('satisfactory');
    expect(publicPorts(satisfactory)).toEqual(['7777/tcp', '7777/udp', '8888/tcp']);
    expect(satisfactory.install).toEqual({ kind: 'steamcmd', appId: 1690800 });
  });

  it('ARK: its raw socket sits right after the game port, its browser query on 27015', () => {
    const ark = getGame('ark');
    expect(publicPorts(ark)).toEqual(['7777/udp', '7778/udp', '27015/udp']);
    expect(ark.query).toMatchObject({ type: 'ase', port: 27015 });
    expect(ark.install).toEqual({ kind: 'steamcmd', appId: 376030 });
  });

  it('Project Zomboid: 16261 and 16262 over UDP, Steam query on 16261', () => {
    const zomboid = getGame('project-zomboid');
    expect(publicPorts(zomboid)).toEqual(['16261/udp', '16262/udp']);
    expect(zomboid.query).toMatchObject({ type: 'projectzomboid', port: 16261 });
    expect(zomboid.install).toEqual({ kind: 'steamcmd', appId: 380870 });
  });

  it('Terraria: players on 7777/tcp, status from the TShock REST API on 7878', () => {
    const terraria = getGame('terraria');
    expect(publicPorts(terraria)).toEqual(['7777/tcp', '7878/tcp']);
    expect(terraria.query).toMatchObject({ kind: 'gamedig', type: 'terrariatshock', port: 7878 });
  });

  it('Factorio: players on 34197/udp; probed over RCON since gamedig would ask factorio.com', () => {
    const factorio = getGame('factorio');
    expect(publicPorts(factorio)).toEqual(['34197/udp']);
    expect(factorio.query).toMatchObject({ kind: 'probe', protocol: 'source-rcon', port: 34198 });
  });

  it('Luanti: players on 30000/udp, probed with its own handshake; it cannot report a player count', () => {
    const luanti = getGame('luanti');
    expect(publicPorts(luanti)).toEqual(['30000/udp']);
    expect(luanti.query).toMatchObject({ kind: 'probe', protocol: 'luanti-hello', players: 'unavailable' });
  });

  it('the Debian-packaged games name their package', () => {
    const packaged = GAMES.filter((g) => g.install.kind === 'debian-package').map((g) => [
      g.id,
      g.install.kind === 'debian-package' ? g.install.packages[0] : '',
    ]);
    expect(packaged).toEqual([
      ['luanti', 'minetest-server'],
      ['openttd', 'openttd'],
      ['openarena', 'openarena-server'],
    ]);
  });

  it('OpenTTD and OpenArena answer gamedig on their game ports', () => {
    expect(getGame('openttd').query).toMatchObject({ type: 'openttd', port: 3979, transport: 'tcp' });
    expect(getGame('openarena').query).toMatchObject({ type: 'openarena', port: 27960, transport: 'udp' });
  });

  it('gives each game a deadline to answer that fits how it installs: minutes for SteamCMD games', () => {
    const deadline = Object.fromEntries(GAMES.map((g) => [g.id, g.query.readyWithinSeconds]));
    for (const game of GAMES) {
      const seconds = game.query.readyWithinSeconds;
      if (game.install.kind === 'debian-package') expect(seconds).toBeGreaterThanOrEqual(60);
      if (game.install.kind === 'debian-package') expect(seconds).toBeLessThanOrEqual(120);
      if (game.install.kind === 'steamcmd') expect(seconds).toBeGreaterThanOrEqual(600);
    }
    expect(deadline).toMatchObject({
      'minecraft-java': 300,
      'minecraft-bedrock': 300,
      ark: 900,
      satisfactory: 600,
      valheim: 600,
      'project-zomboid': 600,
      factorio: 180,
      terraria: 180,
    });
  });
});

describe('the catalog is shared', () => {
  it('cannot be changed by one consumer for all the others', () => {
    const valheim = getGame('valheim');
    expect(() => {
      (valheim.resources.default as { cores: number }).cores = 99;
    }).toThrow(TypeError);
    expect(getGame('valheim').resources.default.cores).toBe(4);
  });
});
