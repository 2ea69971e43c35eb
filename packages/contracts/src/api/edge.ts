import { z } from 'zod';
import { portProtocolSchema } from './servers.js';

/** One published port: what arrives at the edge on `publishedPort` goes to the VM's `guestPort`. */
export const forwardingEntrySchema = z.object({
  serverId: z.string(),
  serverName: z.string(),
  /** The VM's address; null while the VM has none (such an entry cannot be forwarded). */
  vmIpv4: z.string().nullable(),
  protocol: portProtocolSchema,
  publishedPort: z.number().int(),
  guestPort: z.number().int(),
});
export type ForwardingEntry = z.infer<typeof forwardingEntrySchema>;

/** What the edge should forward now: every published port of every running server, and its generation. */
export const forwardingTableSchema = z.object({
  /** Grows with every change, so the edge can report which table it applied. */
  generation: z.number().int().min(0),
  /** GAME_PORT_RANGE: nothing outside it is ever forwarded. */
  portRange: z.object({ first: z.number().int(), last: z.number().int() }),
  entries: z.array(forwardingEntrySchema),
});
export type ForwardingTable = z.infer<typeof forwardingTableSchema>;
