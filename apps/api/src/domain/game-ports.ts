import { type GameDefinition, gamePorts } from '@guildserver/games';
import type { PortSlot } from './allocation.js';

/**
 * The external ports a game needs: one slot per published port, its protocols sharing one number. When a
 * game derives ports from each other (runs, or `consecutive`), the whole set is kept in one block.
 */
export function portSlotsOf(game: GameDefinition): { slots: PortSlot[]; consecutive: boolean } {
  const slots = new Map<string, PortSlot>();
  for (const port of gamePorts(game).filter((p) => p.published)) {
    const key = `${port.purpose}#${port.index}`;
    slots.set(key, [...(slots.get(key) ?? []), port]);
  }
  const consecutive = game.ports.some((spec) => spec.public && (spec.count > 1 || spec.consecutive));
  return { slots: [...slots.values()], consecutive };
}
