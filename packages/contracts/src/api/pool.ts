// The warm pool (WARM_POOL, WARM_POOL_MODE): spare VMs of a game made from its image ahead of time, taken by
// creates. GET /v1/pool, for admins and read tokens.
import { z } from 'zod';

export const POOL_MODES = ['stopped', 'booted'] as const;
export const poolModeSchema = z.enum(POOL_MODES);
export type PoolMode = z.infer<typeof poolModeSchema>;

/**
 * `making`: being cloned and configured (and booted); `ready`: a create can take it; `claimed`: a create took it
 * and is making it its server's; `removing`: no longer wanted, being destroyed.
 */
export const POOL_VM_STATES = ['making', 'ready', 'claimed', 'removing'] as const;
export const poolVmStateSchema = z.enum(POOL_VM_STATES);

export const poolVmSchema = z.object({
  id: z.string(),
  game: z.string(),
  state: poolVmStateSchema,
  mode: poolModeSchema,
  node: z.string(),
  vmid: z.number().int(),
  /** The image it is a linked clone of (which stays while it exists), and that image's recipe. */
  imageVmid: z.number().int(),
  recipe: z.string(),
  cores: z.number().int(),
  memoryMiB: z.number().int(),
  diskGiB: z.number().int(),
  /** The server that took it (state `claimed`). */
  serverId: z.string().nullable(),
  /** Why its last making failed, until it is made again. */
  error: z.string().nullable(),
  createdAt: z.string(),
  readyAt: z.string().nullable(),
});
export type PoolVm = z.infer<typeof poolVmSchema>;

/** One game's pool: how many spare VMs WARM_POOL asks for and how many there are. */
export const poolGameSchema = z.object({
  game: z.string(),
  wanted: z.number().int(),
  ready: z.number().int(),
  making: z.number().int(),
  /** Null when the game has no current image: the pool is only filled from one (`gs image build <game>`). */
  image: z.object({ vmid: z.number().int(), recipe: z.string() }).nullable(),
  /** One sentence when the pool cannot be filled now (no image, no VM id, the last making failed). */
  note: z.string().nullable(),
});
export type PoolGame = z.infer<typeof poolGameSchema>;

export const poolStatusSchema = z.object({
  mode: poolModeSchema,
  games: z.array(poolGameSchema),
  vms: z.array(poolVmSchema),
});
export type PoolStatus = z.infer<typeof poolStatusSchema>;
