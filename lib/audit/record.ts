import { desc, sql } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { auditLog } from "@/db/schema";
import { GENESIS_HASH, hashAuditEntry } from "./chain";

/** Who did something: a signed-in user, a service's API token, or Changegate itself. */
export interface AuditActor {
  type: "user" | "api_token" | "system";
  id: string | null;
  label: string;
}

export interface AuditInput {
  action: string;
  targetType: string;
  targetId: string;
  serviceId?: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string;
}

// Serialises appends so each entry links to the one before it, across app instances.
const AUDIT_CHAIN_LOCK = 727274002;

/**
 * Appends one entry to the hash-chained audit log. Call it inside the transaction that makes
 * the change, so the change and its audit entry commit or fail together.
 */
export async function recordAudit(tx: Tx, actor: AuditActor, input: AuditInput, now = new Date()) {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  const [last] = await tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
  const fields = {
    occurredAt: now,
    actorType: actor.type,
    actorId: actor.id,
    actorLabel: actor.label,
    action: input.action,
    targetType: input.targetType,
    targetId: input.targetId,
    serviceId: input.serviceId ?? null,
    // Round-trip through JSON so the hashed value is exactly what jsonb gives back.
    before: input.before === undefined ? null : JSON.parse(JSON.stringify(input.before)),
    after: input.after === undefined ? null : JSON.parse(JSON.stringify(input.after)),
    reason: input.reason ?? "",
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  const [row] = await tx
    .insert(auditLog)
    .values({ ...fields, hash: hashAuditEntry(fields) })
    .returning();
  return row!;
}
