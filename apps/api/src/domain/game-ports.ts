import type { GameDefinition } from '@guildserver/games';
import type { PortSlot } from './allocation.js';

/**
 * The external ports a game needs: one slot per public port (both protocols share one number). When a
 * game derives ports from each other (runs, or `consecutive`), the whole set is kept in one block.
 */
export function portSlotsOf(game: GameDefinition): { slots: PortSlot[]; consecutive: boolean } {
  const slots: PortSlot[] = [];
  let consecutive = false;
  for (const spec of game.ports) {
    if (!spec.public) continue;
    if (spec.count > 1 || spec.consecutive) consecutive = true;
    const protocols = spec.protocol === 'both' ? (['tcp', 'udp'] as const) : ([spec.protocol] as const);
    for (let i = 0; i < spec.count; i++) {
      slots.push({
        purpose: spec.count > 1 ? `${spec.purpose}-${i + 1}` : spec.purpose,
        protocols,
        guestPort: spec.defaultPort + i,
      });
    }
  }
  return { slots, consecutive };
}
