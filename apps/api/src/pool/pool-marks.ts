// How a warm-pool VM is marked at Proxmox: tags `guildserver;gs-pool;game-<id>`, and a description line naming
// its pool row, so nothing else is ever mistaken for one (and a pool VM never for a server).
import type { GameDefinition } from '@guildserver/games';
import { decodeTags } from '@guildserver/proxmox';
import { gameTag, POOL_TAG } from '../images/image-marks.js';
import { OUR_TAG } from '../pipeline/ownership.js';

export const poolTags = (gameId: string): string[] => [OUR_TAG, POOL_TAG, gameTag(gameId)];

export const poolMarker = (poolVmId: string) => `guildserver-pool:${poolVmId}`;

const MARKER = /^guildserver-pool:(pool_[A-Za-z0-9_-]+)$/m;

/** `gs-pool-<the id without its prefix>`: a DNS name, as Proxmox wants. */
export const poolVmName = (poolVmId: string) =>
  `gs-pool-${poolVmId
    .replace(/^pool_/, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')}`.slice(0, 63);

export function describePoolVm(game: Pick<GameDefinition, 'name'>, poolVmId: string): string {
  return [
    `GuildServer warm pool: a spare ${game.name} VM made from its game image, waiting for a create. Not a server.`,
    'Managed by GuildServer: a create takes it over, or GuildServer removes it.',
    poolMarker(poolVmId),
  ].join('\n');
}

/** The pool row a VM's description names, when it carries the pool tag and marker. */
export function poolVmIdOf(config: { tags?: string; description?: string | number } | undefined) {
  if (!config || !decodeTags(config.tags).includes(POOL_TAG)) return undefined;
  return MARKER.exec(String(config.description ?? ''))?.[1];
}
