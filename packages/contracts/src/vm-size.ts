import { z } from 'zod';

/** A VM's size, as `PROXMOX_RESOURCES_<GAME>` and the game catalog give it (`cores=4,memory=8192,disk=32`). */
export const vmSizeSchema = z.object({
  cores: z.number().int().min(1).max(128),
  /** MiB. */
  memory: z
    .number()
    .int()
    .min(512)
    .max(4 * 1024 * 1024),
  /** GiB. */
  disk: z.number().int().min(4).max(65_536),
});
export type VmSize = z.infer<typeof vmSizeSchema>;
