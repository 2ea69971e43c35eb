// Parsing what users type into options, with one sentence for each way it can be wrong.
import { type VmSize, vmSizeSchema } from '@guildserver/contracts';
import { BotError } from '../core/bot-error.js';
import { SIZE_FORM_SENTENCE } from '../rendering/sentences.js';

const SIZE_UNITS: Record<keyof VmSize, string> = { cores: '', memory: ' MiB', disk: ' GiB' };

/** The bounds the API's request schema puts on each size key: one fact, read from it. */
function sizeBounds(key: keyof VmSize): [number, number] {
  const schema = vmSizeSchema.shape[key];
  return [schema.minValue ?? 1, schema.maxValue ?? Number.MAX_SAFE_INTEGER];
}

/**
 * `cores=4,memory=8192,disk=32`, any of the three, in any order (spaces allowed; memory in MiB, disk in GiB);
 * also `4 cores` style is refused with the expected form rather than guessed. The game's own minimum is the
 * API's to check (it says so in its own sentence).
 */
export function parseSize(text: string): Partial<VmSize> {
  const size: Partial<VmSize> = {};
  const parts = text
    .split(/[,\s]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw new BotError('size_invalid', SIZE_FORM_SENTENCE);
  for (const part of parts) {
    const match = /^(cores|memory|disk)=(\d{1,9})$/i.exec(part);
    if (!match) throw new BotError('size_invalid', SIZE_FORM_SENTENCE);
    const key = match[1]!.toLowerCase() as keyof VmSize;
    const value = Number(match[2]);
    const [min, max] = sizeBounds(key);
    if (key in size) throw new BotError('size_invalid', `Give ${key} only once. ${SIZE_FORM_SENTENCE}`);
    if (value < min || value > max) {
      throw new BotError('size_invalid', `${key} must be from ${min} to ${max}${SIZE_UNITS[key]}.`);
    }
    size[key] = value;
  }
  return size;
}

/** Names as the API wants them: what people type, lower-cased and trimmed. */
export function normaliseName(text: string): string {
  return text.trim().toLowerCase();
}

/** True when an autocomplete value (a server id) was picked rather than free text typed. */
export const isServerId = (text: string) => /^srv_[a-z0-9]{12}$/.test(text);
