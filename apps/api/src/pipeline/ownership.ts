// "Ours, and only ours": how a VM is recognised as belonging to one GuildServer server.
import { decodeTags } from '@guildserver/proxmox';

/** Carried by every VM GuildServer made, whatever server it belongs to. */
export const OUR_TAG = 'guildserver';

/** The tag naming the server a VM belongs to (PVE tags: `[a-z0-9_][a-z0-9_\-+.]*`; server ids fit). */
export const serverTag = (serverId: string): string => `gs-${serverId}`.toLowerCase();

/**
 * Written into the description at clone time, before tags exist: between clone and configure it is the
 * only proof a VM is ours.
 */
export const descriptionMarker = (serverId: string): string => `guildserver:${serverId}`;

/** The VM's DNS name: `gs-<the server id without its prefix>`, letters, digits and hyphens only. */
export function vmName(serverId: string): string {
  const core = serverId
    .replace(/^srv_/, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `gs-${core}`.slice(0, 63);
}

/**
 * - `absent`: no VM at that id (on our node);
 * - `ours`: tagged `gs-<server id>`;
 * - `ours_untagged`: not tagged yet, but the description carries our marker (cloned, not configured);
 * - `cloning`: locked by a clone still running, so nothing can be read yet;
 * - `foreign`: anything else — never touched.
 */
export type Ownership = 'absent' | 'ours' | 'ours_untagged' | 'cloning' | 'foreign';

export interface VmIdentity {
  tags?: string | undefined;
  description?: string | number | undefined;
  lock?: string | undefined;
}

export function ownershipOf(serverId: string, vm: VmIdentity | undefined): Ownership {
  if (!vm) return 'absent';
  if (decodeTags(vm.tags).some((tag) => tag.toLowerCase() === serverTag(serverId))) return 'ours';
  if (hasMarker(String(vm.description ?? ''), serverId)) return 'ours_untagged';
  if (vm.lock === 'clone') return 'cloning';
  return 'foreign';
}

function hasMarker(description: string, serverId: string): boolean {
  const marker = descriptionMarker(serverId);
  let at = description.indexOf(marker);
  while (at >= 0) {
    const next = description[at + marker.length];
    if (next === undefined || !/[A-Za-z0-9_]/.test(next)) return true;
    at = description.indexOf(marker, at + 1);
  }
  return false;
}

export const isOurs = (ownership: Ownership): boolean =>
  ownership === 'ours' || ownership === 'ours_untagged';
