import { bigserial, index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { actorTypeEnum } from "./enums";

/**
 * Append-only (UPDATE, DELETE and TRUNCATE are refused by triggers, see migration
 * 0001_audit_append_only) and hash-chained: `hash` covers the entry and `prevHash`.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    occurredAt: timestamp({ withTimezone: true }).notNull(),
    actorType: actorTypeEnum().notNull(),
    actorId: text(),
    actorLabel: text().notNull(),
    action: text().notNull(),
    targetType: text().notNull(),
    targetId: text().notNull(),
    serviceId: uuid(),
    before: jsonb(),
    after: jsonb(),
    reason: text().notNull().default(""),
    prevHash: text().notNull(),
    hash: text().notNull().unique(),
  },
  (t) => [
    index().on(t.occurredAt),
    index().on(t.action),
    index().on(t.targetType, t.targetId),
    index().on(t.actorLabel),
  ],
);

export type AuditEntry = typeof auditLog.$inferSelect;
