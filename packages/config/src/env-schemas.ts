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

/** `first-last`, both within [min, max] and first ≤ last, e.g. a VM id or port range. */
export function integerRange(min: number, max: number): z.ZodType<{ first: number; last: number }> {
  return z
    .string()
    .regex(/^\d+\s*-\s*\d+$/)
    .transform((text) => {
      const [first, last] = text.split('-').map((part) => Number(part.trim())) as [number, number];
      return { first, last };
    })
    .refine(({ first, last }) => first >= min && last <= max && first <= last);
}

/** An http(s) URL. */
export const httpUrl: z.ZodType<string> = z.string().refine((text) => {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
});

/** A redis:// or rediss:// URL. */
export const redisUrl: z.ZodType<string> = z.string().refine((text) => {
  try {
    const url = new URL(text);
    return url.protocol === 'redis:' || url.protocol === 'rediss:';
  } catch {
    return false;
  }
});

/** A host name or an IPv4/IPv6 address. */
export const hostName: z.ZodType<string> = z
  .string()
  .regex(
    /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$|^[0-9a-fA-F:.]+$/,
  );
