// The sleeping server every test describes.
import type { AsleepInfo } from '../../../src/asleep/types.js';

export const INFO: AsleepInfo = {
  serverName: 'survival',
  status: 'survival is asleep — join to wake it (ready in about 35 s)',
  maxPlayers: 20,
  joinMessage: 'survival is waking up — join again in about 35 s',
};
