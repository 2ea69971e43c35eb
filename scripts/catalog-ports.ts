// `pnpm ansible:ports` writes ansible/vars/catalog_ports.yml, the ports each playbook uses when run without the
// API's `guildserver_ports` (a static inventory), from the catalog. test/ansible-playbooks.test.ts fails when the
// file is not what this writes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GAMES, type GameDefinition, gamePorts } from '../packages/games/src/index';

export const CATALOG_PORTS_FILE = join(import.meta.dirname, '..', 'ansible', 'vars', 'catalog_ports.yml');

export interface PlaybookPortEntry {
  purpose: string;
  protocol: 'tcp' | 'udp';
  port: number;
  guest_port: number;
}

/** A playbook's default ports: the catalog's, one entry per protocol, players' port the guest port. */
export function catalogPortEntries(game: GameDefinition): PlaybookPortEntry[] {
  return gamePorts(game).map((p) => ({
    purpose: p.purpose,
    protocol: p.protocol,
    port: p.guestPort,
    guest_port: p.guestPort,
  }));
}

/** `minecraft-java` → `minecraft_java_catalog_ports`, what its playbook's `game_ports` defaults to. */
export const catalogPortsVariable = (game: Pick<GameDefinition, 'id'>) =>
  `${game.id.replaceAll('-', '_')}_catalog_ports`;

export function catalogPortsYaml(): string {
  const lines = [
    '---',
    '# Generated from the catalog (packages/games) by `pnpm ansible:ports`; do not edit. Each playbook loads this file',
    "# and uses its game's list when the API's guildserver_ports is not given (see ansible/README.md).",
  ];
  for (const game of GAMES) {
    lines.push(`${catalogPortsVariable(game)}:`);
    for (const p of catalogPortEntries(game)) {
      lines.push(
        `  - { purpose: ${p.purpose}, protocol: ${p.protocol}, port: ${p.port}, guest_port: ${p.guest_port} }`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(CATALOG_PORTS_FILE, catalogPortsYaml());
  console.log(`Wrote ${CATALOG_PORTS_FILE}.`);
}
