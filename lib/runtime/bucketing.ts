/**
 * Canary assignment (SPEC §2): deterministic and sticky. A subject's bucket is a hash of
 * (service, canary release, subject) mapped to [0, 1); it is in the canary when its bucket is
 * below the percent and its tenant is targeted (or no tenant is). Because the bucket does not
 * depend on the percent, raising the percent only adds subjects.
 *
 * Pure and portable: the server and the TypeScript SDK run this same code, so it uses no Node
 * API and allocates nothing per call but the key string.
 */

export type Arm = "stable" | "canary";

const TWO_POW_32 = 0x1_0000_0000;

// One scratch buffer for the UTF-8 bytes, reused by every call: hashing allocates nothing (JS
// runs one call at a time, and nothing inside a call can re-enter it).
let scratch = new Uint8Array(256);

/** Writes the UTF-8 encoding of `text` into `scratch` (lone surrogates as U+FFFD, like TextEncoder); returns its length. */
function encodeUtf8(text: string): number {
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  const out = scratch;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      out[n++] = code;
      continue;
    }
    if (code < 0x800) {
      out[n++] = 0xc0 | (code >> 6);
      out[n++] = 0x80 | (code & 0x3f);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[n++] = 0xf0 | (code >> 18);
        out[n++] = 0x80 | ((code >> 12) & 0x3f);
        out[n++] = 0x80 | ((code >> 6) & 0x3f);
        out[n++] = 0x80 | (code & 0x3f);
        continue;
      }
      code = 0xfffd;
    }
    out[n++] = 0xe0 | (code >> 12);
    out[n++] = 0x80 | ((code >> 6) & 0x3f);
    out[n++] = 0x80 | (code & 0x3f);
  }
  return n;
}

/**
 * MurmurHash3 x86_32 of the UTF-8 encoding of `text`, as an unsigned 32-bit integer. Matches
 * the reference (SMHasher) implementation; Math.imul keeps every product in 32 bits.
 */
export function murmur3_32(text: string, seed = 0): number {
  const length = encodeUtf8(text);
  const bytes = scratch;
  let h = seed | 0;
  const blocksEnd = length & ~3;
  let i = 0;
  for (; i < blocksEnd; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = length & 3;
  if (rest > 0) {
    let k = bytes[i]!;
    if (rest > 1) k |= bytes[i + 1]! << 8;
    if (rest > 2) k |= bytes[i + 2]! << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The subject's bucket in [0, 1) for this service's canary release. */
export function canaryBucket(service: string, canaryReleaseId: string, subject: string): number {
  return murmur3_32(`${service}:${canaryReleaseId}:${subject}`) / TWO_POW_32;
}

export interface AssignmentInput {
  /** The service's slug. */
  service: string;
  canaryReleaseId: string | null | undefined;
  /** 0–100. */
  canaryPercent: number;
  /** Targeted tenants; empty means every tenant. */
  canaryTenants: readonly string[];
  subject: string;
  tenant?: string | null;
}

/** "canary" when there is a canary, the subject's bucket is below the percent and its tenant is targeted. */
export function assignArm(input: AssignmentInput): Arm {
  const { canaryReleaseId, canaryPercent, canaryTenants } = input;
  if (!canaryReleaseId || !(canaryPercent > 0)) return "stable";
  if (canaryTenants.length > 0 && (input.tenant == null || !canaryTenants.includes(input.tenant))) return "stable";
  if (canaryPercent >= 100) return "canary";
  // bucket < percent / 100, compared in integers (hash · 100 < percent · 2^32) so no rounding
  // can move a subject across the boundary: exact for any hash and percent.
  const hash = murmur3_32(`${input.service}:${canaryReleaseId}:${input.subject}`);
  return hash * 100 < canaryPercent * TWO_POW_32 ? "canary" : "stable";
}
