// Parsing what users type into options, with one sentence for each way it can be wrong.
import type { VmSize } from '@guildserver/contracts';
import { BotError } from '../rendering/sentences.js';

const SIZE_KEYS = { cores: [1, 128], memory: [512, 4 * 1024 * 1024], disk: [4, 65_536] } as const;

/**
 * `cores=4,memory=8192,disk=32`, any of the three, in any order (spaces allowed; memory in MiB, disk in GiB);
 * also `4 cores` style is refused with the expected form rather than guessed.
 */
export function parseSize(text: string): Partial<VmSize> {
  const size: Partial<VmSize> = {};
  const form =
    'Write the size as `cores=4,memory=8192,disk=32` (any of the three; memory in MiB, disk in GiB).';
  const parts = text
    .split(/[,\s]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw new BotError('size_invalid', form);
  for (const part of parts) {
    const match = /^(cores|memory|disk)=(\d{1,9})$/i.exec(part);
    if (!match) throw new BotError('size_invalid', form);
    const key = match[1]!.toLowerCase() as keyof typeof SIZE_KEYS;
    const value = Number(match[2]);
    const [min, max] = SIZE_KEYS[key];
    if (key in size) throw new BotError('size_invalid', `Give ${key} only once. ${form}`);
    if (value < min || value > max) {
      throw new BotError('size_invalid', `${key} must be from ${min} to ${max}.`);
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
