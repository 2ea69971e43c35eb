/** Counters for the logs: notices by route (edits of the interaction's message, channel, DM, ...). */
export interface DeliveredCounts {
  edits: number;
  channel: number;
  dm: number;
  dmsClosed: number;
  failed: number;
}

export const noDeliveries = (): DeliveredCounts => ({ edits: 0, channel: 0, dm: 0, dmsClosed: 0, failed: 0 });
