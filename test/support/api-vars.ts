// The extra variables the API passes to a playbook (apps/api/src/pipeline/game/playbook-vars.ts), for a game
// of the catalog, and the catalog's ports as the playbooks list them.
import { portSlotsOf } from '../../apps/api/src/domain/game-ports';
import { type PlaybookVarsOptions, playbookVars } from '../../apps/api/src/pipeline/game/playbook-vars';
import type { GameDefinition } from '../../packages/games/src/index';
import { catalogPortEntries } from '../../scripts/catalog-ports';

export { catalogPortEntries, type PlaybookPortEntry as PortEntry } from '../../scripts/catalog-ports';

/** `<guest port>/<protocol>` of every port the firewall must open (SSH and the public ones), sorted. */
export function expectedOpenPorts(game: GameDefinition): string[] {
  return catalogPortEntries(game)
    .filter((p) => p.purpose !== 'rcon')
    .map((p) => `${p.guest_port}/${p.protocol}`)
    .concat('22/tcp')
    .sort();
}

/** `<guest port>/<protocol>` of the RCON ports, which the firewall opens to private networks only. */
export function expectedRconPorts(game: GameDefinition): string[] {
  return catalogPortEntries(game)
    .filter((p) => p.purpose === 'rcon')
    .map((p) => `${p.guest_port}/${p.protocol}`)
    .sort();
}

/**
 * Exactly what the API's runner passes (the same function builds it), for a server whose ports were allocated
 * from 42000 on: external ports differ from the guest ports, as behind a real NAT.
 */
export function apiVars(
  game: GameDefinition,
  serverName: string,
  extra: Record<string, unknown> = {},
  options: PlaybookVarsOptions = {},
): Record<string, unknown> {
  const ports = portSlotsOf(game).slots.flatMap((slot, index) =>
    slot.map((gamePort) => ({ ...gamePort, port: 42000 + index })),
  );
  const server = {
    id: `srv_test${game.id.replaceAll('-', '')}`.slice(0, 16),
    name: serverName,
    guildId: '100000000000000001',
  };
  return {
    ...playbookVars(
      { server, game, ports, size: game.resources.default },
      { hostExternal: 'games.example.org', ...options },
    ),
    ...extra,
  };
}
