import { createHash } from "node:crypto";
import { canonicalJson } from "@/lib/components/content-hash";

export const GENESIS_HASH = "0".repeat(64);

/** The fields of an audit entry that its hash covers (everything but id and the hash itself). */
export interface AuditFields {
  occurredAt: Date;
  actorType: "user" | "api_token" | "system";
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string;
  serviceId: string | null;
  before: unknown;
  after: unknown;
  reason: string;
  prevHash: string;
}

export function hashAuditEntry(fields: AuditFields): string {
  const canonical = canonicalJson({
    occurredAt: fields.occurredAt.toISOString(),
    actorType: fields.actorType,
    actorId: fields.actorId,
    actorLabel: fields.actorLabel,
    action: fields.action,
    targetType: fields.targetType,
    targetId: fields.targetId,
    serviceId: fields.serviceId,
    before: fields.before ?? null,
    after: fields.after ?? null,
    reason: fields.reason,
    prevHash: fields.prevHash,
  });
  return createHash("sha256").update(canonical).digest("hex");
}

export type ChainVerdict =
  | { intact: true; checked: number }
  | { intact: false; checked: number; brokenAtId: number; problem: string };

export interface ChainCursor {
  /** Hash of the last entry already checked (GENESIS_HASH before the first). */
  expectedPrevHash: string;
  checked: number;
}

/**
 * Checks one page of entries in id order, continuing from `cursor`.
 * Returns the broken entry, or the cursor to continue from.
 */
export function verifyChainPage(
  entries: readonly (AuditFields & { id: number; hash: string })[],
  cursor: ChainCursor,
): { broken: ChainVerdict & { intact: false } } | { cursor: ChainCursor } {
  let { expectedPrevHash, checked } = cursor;
  for (const entry of entries) {
    if (entry.prevHash !== expectedPrevHash) {
      return {
        broken: {
          intact: false,
          checked,
          brokenAtId: entry.id,
          problem: "its link to the previous entry does not match (an entry before it was removed, inserted or altered)",
        },
      };
    }
    if (hashAuditEntry(entry) !== entry.hash) {
      return {
        broken: {
          intact: false,
          checked,
          brokenAtId: entry.id,
          problem: "its contents no longer match its hash (the entry was altered)",
        },
      };
    }
    expectedPrevHash = entry.hash;
    checked += 1;
  }
  return { cursor: { expectedPrevHash, checked } };
}
