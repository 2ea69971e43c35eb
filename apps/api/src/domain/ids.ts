import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

export const newServerId = () => `srv_${randomId(12)}`;
export const newJobId = () => `job_${randomId(12)}`;
export const newImageBuildId = () => `img_${randomId(12)}`;
export const newPoolVmId = () => `pool_${randomId(12)}`;
export const newTokenId = () => `tok_${randomId(12)}`;
export const newWebhookId = () => `whk_${randomId(12)}`;
export const newScheduleId = () => `sch_${randomId(12)}`;
export const now = () => new Date().toISOString();
