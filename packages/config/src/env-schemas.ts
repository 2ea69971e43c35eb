import { z } from 'zod';

// Schemas for values found in many apps' environments; each takes the trimmed text.

export function integer(min: number, max: number): z.ZodType<number> {
  return z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max));
}

/** Only the literals true/false/1/0: `yes`, `on` or `TRUE ` typos are refused rather than guessed. */
export const booleanLiteral: z.ZodType<boolean> = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

export const nonEmpty: z.ZodType<string> = z.string().min(1);

/** No whitespace at all (tokens, secrets). */
export const word: z.ZodType<string> = z.string().regex(/^\S+$/);

export function matching(pattern: RegExp): z.ZodType<string> {
  return z.string().regex(pattern);
}
