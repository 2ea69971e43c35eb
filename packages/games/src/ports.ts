import type { GameDefinition, PortPurpose } from './types';

export const PORT_PURPOSES = ['game', 'query', 'rcon'] as const;

export const isPortPurpose = (value: string): value is PortPurpose =>
  (PORT_PURPOSES as readonly string[]).includes(value);

/**
 * One port a game listens on, on one protocol: the shape allocation, the playbook variables, the readiness
 * probe and the server views all read. `purpose` and `index` name the port; its protocols share one number.
 */
export interface GamePort {
  purpose: PortPurpose;
  /**
   * Which of the game's ports of this purpose it is, counted from 1 in catalog order, a run counting each of
   * its ports: ARK's second game port (7778) is game 2. Unique per game with `purpose` and `protocol`.
   */
  index: number;
  protocol: 'tcp' | 'udp';
  /** Where the game listens inside the VM: the catalog's default. */
  guestPort: number;
  /** Players or server browsers reach it on HOST_EXTERNAL (the catalog's `public`); false for RCON. */
  published: boolean;
}

/** The game's ports, one per port and protocol: `both` gives tcp then udp, a run each of its ports. */
export function gamePorts(game: Pick<GameDefinition, 'ports'>): GamePort[] {
  const counted = new Map<PortPurpose, number>();
  return game.ports.flatMap((spec) =>
    Array.from({ length: spec.count }, (_, offset) => {
      const index = (counted.get(spec.purpose) ?? 0) + 1;
      counted.set(spec.purpose, index);
      const protocols = spec.protocol === 'both' ? (['tcp', 'udp'] as const) : [spec.protocol];
      return protocols.map((protocol) => ({
        purpose: spec.purpose,
        index,
        protocol,
        guestPort: spec.defaultPort + offset,
        published: spec.public,
      }));
    }).flat(),
  );
}
