import type { GamePort } from '@guildserver/games';
import type { Db } from '../db/database.js';
import { ports, vmIds } from '../db/schema.js';
import { DomainError } from './errors.js';
import { now } from './ids.js';
import { portRow } from './server-ports.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** One port a game needs: its protocols (one game port each), all on the same external number. */
export type PortSlot = readonly GamePort[];

export interface PortRange {
  first: number;
  last: number;
}

/**
 * Picks external ports for a game's slots, lowest first: all slots side by side when the game needs
 * consecutive ports, otherwise each the lowest free. Runs inside the create transaction.
 */
export function allocatePorts(
  tx: Tx,
  serverId: string,
  slots: readonly PortSlot[],
  range: PortRange,
  consecutive: boolean,
) {
  const taken = new Set(
    tx
      .select({ port: ports.port, protocol: ports.protocol })
      .from(ports)
      .all()
      .map((p) => `${p.port}/${p.protocol}`),
  );
  const free = (port: number, slot: PortSlot) => slot.every((p) => !taken.has(`${port}/${p.protocol}`));
  const chosen: number[] = [];
  if (consecutive) {
    for (let base = range.first; base + slots.length - 1 <= range.last; base++) {
      if (slots.every((slot, i) => free(base + i, slot))) {
        for (let i = 0; i < slots.length; i++) chosen.push(base + i);
        break;
      }
    }
  } else {
    for (const slot of slots) {
      let port = range.first;
      while (port <= range.last && (!free(port, slot) || chosen.includes(port))) port++;
      if (port > range.last) break;
      chosen.push(port);
    }
  }
  if (chosen.length < slots.length) {
    throw new DomainError(
      'ports_exhausted',
      `No free ${consecutive ? `block of ${slots.length} consecutive ports` : 'ports'} left in GAME_PORT_RANGE ${range.first}-${range.last}; delete unused servers or widen the range.`,
    );
  }
  const rows = slots.flatMap((slot, i) => slot.map((gamePort) => portRow(serverId, gamePort, chosen[i]!)));
  tx.insert(ports).values(rows).run();
}

/** Ids in our range that we hold no reservation for, lowest first (Proxmox is asked about them afterwards). */
export function freeVmidCandidates(
  db: Db,
  range: { first: number; last: number },
  count: number,
  skip: ReadonlySet<number>,
): number[] {
  const held = new Set(
    db
      .select({ vmid: vmIds.vmid })
      .from(vmIds)
      .all()
      .map((r) => r.vmid),
  );
  const out: number[] = [];
  for (let id = range.first; id <= range.last && out.length < count; id++) {
    if (!held.has(id) && !skip.has(id)) out.push(id);
  }
  return out;
}

/** Reserves the id for the server; false when another request took it first (the primary key decides). */
export function reserveVmid(tx: Tx, vmid: number, serverId: string): boolean {
  const result = tx.insert(vmIds).values({ vmid, serverId, reservedAt: now() }).onConflictDoNothing().run();
  return result.changes === 1;
}
