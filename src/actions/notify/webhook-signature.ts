import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the Unix time (seconds) the delivery was signed at. */
export const TIMESTAMP_HEADER = 'x-tminus-timestamp';
/** Header carrying `sha256=<hex>`: HMAC-SHA256 over `<timestamp>.<raw body>` with the shared secret. */
export const SIGNATURE_HEADER = 'x-tminus-signature';

/**
 * Signs a delivery. Receivers recompute `HMAC-SHA256(secret, timestamp + "." + rawBody)`, compare it in
 * constant time, and reject timestamps older than a few minutes (replay protection).
 */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/**
 * Verifies a delivery as a receiver would (exported for receivers written in Node and for tests).
 *
 * @example
 * verifyWebhookSignature(secret, req.headers['x-tminus-timestamp'], req.headers['x-tminus-signature'], raw, Date.now())
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  body: string,
  nowMs: number,
  toleranceSeconds = 300,
): boolean {
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
