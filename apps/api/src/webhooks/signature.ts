import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-guildserver-signature';
export const TIMESTAMP_HEADER = 'x-guildserver-timestamp';
export const EVENT_HEADER = 'x-guildserver-event';
export const DELIVERY_HEADER = 'x-guildserver-delivery';
export const ATTEMPT_HEADER = 'x-guildserver-attempt';

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the webhook's secret>`. */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does (see docs/webhooks.md): recompute the signature over the raw body, compare in constant
 * time, and refuse timestamps too far from now so a captured request cannot be replayed later.
 */
export function verifySignature(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp)) return false;
  const nowSeconds = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(nowSeconds - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A secret for a webhook registered without one: 32 random bytes, base64url. */
export const generateSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;
