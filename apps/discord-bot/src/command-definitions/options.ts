// Parsing what users type into options, with one sentence for each way it can be wrong.
import { type VmSize, vmSizeSchema } from '@guildserver/contracts';
import { parseSizeText } from '@guildserver/games';
import { BotError } from '../core/bot-error.js';
import { SIZE_FORM_SENTENCE } from '../rendering/sentences.js';

const SIZE_UNITS: Record<keyof VmSize, string> = { cores: '', memory: ' MiB', disk: ' GiB' };

/** The bounds the API's request schema puts on each size key: one fact, read from it. */
function sizeBounds(key: keyof VmSize): [number, number] {
  const schema = vmSizeSchema.shape[key];
  return [schema.minValue ?? 1, schema.maxValue ?? Number.MAX_SAFE_INTEGER];
}

/**
 * `cores=4,memory=8192,disk=32`, any of the three (memory in MiB, disk in GiB), read as the API reads its
 * sizes; each within the bounds of the API's request schema. The game's own minimum is the API's to check
 * (it says so in its own sentence).
 */
export function parseSize(text: string): Partial<VmSize> {
  const read = parseSizeText(text);
  if ('problem' in read) {
    if (read.problem === 'repeated')
      throw new BotError('size_invalid', `Give ${read.key} only once. ${SIZE_FORM_SENTENCE}`);
    throw new BotError('size_invalid', SIZE_FORM_SENTENCE);
  }
  for (const [key, value] of Object.entries(read.size) as [keyof VmSize, number][]) {
    const [min, max] = sizeBounds(key);
    if (value < min || value > max) {
      throw new BotError('size_invalid', `${key} must be from ${min} to ${max}${SIZE_UNITS[key]}.`);
    }
  }
  return read.size;
}

/** Names as the API wants them: what people type, lower-cased and trimmed. */
export function normaliseName(text: string): string {
  return text.trim().toLowerCase();
}
