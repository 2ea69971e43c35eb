// The extra variables the API passes to a playbook (apps/api/src/pipeline/game/ansible-runner.ts), for a game
// of the catalog, and the catalog's ports as the playbooks list them.
import type { GameDefinition } from '../../packages/games/src/index';

export interface PortEntry {
  purpose: string;
  protocol: 'tcp' | 'udp';
  port: number;
  guest_port: number;
}

/** One entry per port and protocol ('both' is two), guest ports at the catalog's defaults. */
export function catalogPortEntries(game: GameDefinition, externalBase?: number): PortEntry[] {
  return game.ports.flatMap((spec, index) =>
    (spec.protocol === 'both' ? (['tcp', 'udp'] as const) : [spec.protocol]).flatMap((protocol) =>
      Array.from({ length: spec.count }, (_, offset) => ({
        purpose: spec.purpose,
        protocol,
        port: externalBase === undefined ? spec.defaultPort + offset : externalBase + index * 10 + offset,
        guest_port: spec.defaultPort + offset,
      })),
    ),
  );
}

/** `<guest port>/<protocol>` of every port the firewall must open (SSH and the public ones), sorted. */
export function expectedOpenPorts(game: GameDefinition): string[] {
  return catalogPortEntries(game)
    .filter((p) => p.purpose !== 'rcon')
    .map((p) => `${p.guest_port}/${p.protocol}`)
    .concat('22/tcp')
    .sort();
}

export function apiVars(
  game: GameDefinition,
  serverName: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    guildserver_server_id: `srv_test${game.id.replaceAll('-', '')}`,
    guildserver_server_name: serverName,
    guildserver_guild_id: '100000000000000001',
    guildserver_game: game.id,
    guildserver_host_external: 'games.example.org',
    // External ports differ from the guest ports, as behind a real NAT.
    guildserver_ports: catalogPortEntries(game, 42000),
    guildserver_size: {
      cores: game.resources.default.cores,
      memory_mib: game.resources.default.memory,
      disk_gib: game.resources.default.disk,
    },
    ...extra,
  };
}
