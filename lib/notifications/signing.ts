import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * Webhook signatures and the retry schedule. Pure: no database, no clock (times are passed in).
 *
 * Every delivery is an HTTP POST with a JSON body and these headers:
 *
 *   Changegate-Event:      the event name, e.g. "approval_requested"
 *   Changegate-Delivery:   the delivery id (the same on every retry: use it to de-duplicate)
 *   Changegate-Timestamp:  Unix time in seconds when this attempt was signed
 *   Changegate-Signature:  "sha256=" + hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`)
 *
 * How a receiver verifies a delivery:
 *   1. Read the raw request body as bytes/text, before any JSON parsing (re-serialising changes it).
 *   2. Compute HMAC-SHA256 with the webhook's secret (the whole "whsec_…" string is the key) over
 *      the timestamp header, a ".", and the raw body; hex-encode it and prefix "sha256=".
 *   3. Compare with the Changegate-Signature header in constant time (crypto.timingSafeEqual).
 *   4. Reject a timestamp more than 5 minutes away from your clock, so a captured request cannot
 *      be replayed later. Signing the timestamp is what makes that check trustworthy.
 * In Node: `verifyWebhookSignature({ secret, timestamp, body, signature, now: new Date() })`.
 */

export const SIGNATURE_HEADER = "Changegate-Signature";
export const TIMESTAMP_HEADER = "Changegate-Timestamp";
export const EVENT_HEADER = "Changegate-Event";
export const DELIVERY_HEADER = "Changegate-Delivery";

/** How far a signed timestamp may be from the receiver's clock, either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const SIGNATURE_PREFIX = "sha256=";

/** `sha256=<hex>`: HMAC-SHA256 keyed by the secret over `${timestamp}.${body}`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
  return `${SIGNATURE_PREFIX}${mac}`;
}

/**
 * A short, non-reversible name for a secret ("sha256:3f9a1c2b04de"), for the audit log and the
 * settings page: enough to tell secrets apart, useless for signing.
 */
export function secretFingerprint(secret: string): string {
  return `sha256:${createHash("sha256").update(secret, "utf8").digest("hex").slice(0, 12)}`;
}

/** Unix seconds for a Date, as sent in Changegate-Timestamp. */
export function unixSeconds(at: Date): number {
  return Math.floor(at.getTime() / 1000);
}

export type SignatureCheck =
  | { valid: true }
  | { valid: false; reason: "malformed" | "mismatch" | "expired" };

/**
 * Checks a received signature. `timestamp` is the header as received (string or number);
 * `now` is the receiver's clock. The signature is compared in constant time.
 */
export function verifyWebhookSignature(params: {
  secret: string;
  timestamp: string | number;
  body: string;
  signature: string | null | undefined;
  now: Date;
  toleranceSeconds?: number;
}): SignatureCheck {
  const tolerance = params.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const ts = typeof params.timestamp === "number" ? params.timestamp : Number(params.timestamp);
  if (!Number.isSafeInteger(ts) || (typeof params.timestamp === "string" && !/^\d+$/.test(params.timestamp))) {
    return { valid: false, reason: "malformed" };
  }
  const signature = params.signature ?? "";
  if (!/^sha256=[0-9a-f]{64}$/.test(signature)) return { valid: false, reason: "malformed" };

  const expected = Buffer.from(signWebhook(params.secret, ts, params.body), "utf8");
  const received = Buffer.from(signature, "utf8");
  // Lengths are equal here (both match the fixed format), so timingSafeEqual cannot throw.
  if (!timingSafeEqual(expected, received)) return { valid: false, reason: "mismatch" };

  if (Math.abs(unixSeconds(params.now) - ts) > tolerance) return { valid: false, reason: "expired" };
  return { valid: true };
}

/**
 * Waits after failed attempt n (1-based) before attempt n+1: 10 s, 30 s, 2 min, 10 min, 30 min,
 * 2 h. Seven attempts in all, spread over about 2 h 43 min; then the delivery is `failed`.
 */
export const RETRY_SCHEDULE_MS = [10_000, 30_000, 120_000, 600_000, 1_800_000, 7_200_000] as const;
export const MAX_DELIVERY_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;

/** Delay before the next attempt after `attempt` failed attempts, or null when none is left. */
export function retryDelayMs(attempt: number): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer, not ${attempt}`);
  return attempt < MAX_DELIVERY_ATTEMPTS ? RETRY_SCHEDULE_MS[attempt - 1]! : null;
}
