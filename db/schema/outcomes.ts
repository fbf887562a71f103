import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { armEnum } from "./enums";
import { services } from "./services";

/**
 * Raw per-request outcomes reported by an LLM service. Idempotent on (service, eventId).
 * Comparisons never scan this table: they read `outcome_rollups`.
 */
export const outcomeEvents = pgTable(
  "outcome_events",
  {
    serviceId: uuid()
      .notNull()
      .references(() => services.id),
    eventId: text().notNull(),
    occurredAt: timestamp({ withTimezone: true }).notNull(),
    releaseId: text().notNull(),
    arm: armEnum().notNull(),
    armName: text(),
    tenant: text().notNull(),
    componentVersions: jsonb().$type<Record<string, string>>().notNull(),
    resolved: boolean().notNull(),
    policyViolation: boolean().notNull(),
    falseRefusal: boolean().notNull(),
    followUp: boolean().notNull(),
    fallback: boolean().notNull(),
    escalated: boolean().notNull(),
    manualCorrection: boolean().notNull(),
    costUsd: doublePrecision().notNull(),
    latencyMs: integer().notNull(),
    tokensIn: integer().notNull(),
    tokensOut: integer().notNull(),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.serviceId, t.eventId] }),
    index().on(t.serviceId, t.releaseId, t.occurredAt),
  ],
);

/** Per-bucket sums of outcome events; p95 latency comes from `latencyHistogram`. */
export const outcomeRollups = pgTable(
  "outcome_rollups",
  {
    serviceId: uuid()
      .notNull()
      .references(() => services.id),
    releaseId: text().notNull(),
    arm: armEnum().notNull(),
    tenant: text().notNull(),
    /** "minute" or "hour". */
    granularity: text().notNull(),
    bucketStart: timestamp({ withTimezone: true }).notNull(),
    requests: bigint({ mode: "number" }).notNull(),
    resolved: bigint({ mode: "number" }).notNull(),
    policyViolations: bigint({ mode: "number" }).notNull(),
    falseRefusals: bigint({ mode: "number" }).notNull(),
    followUps: bigint({ mode: "number" }).notNull(),
    fallbacks: bigint({ mode: "number" }).notNull(),
    escalations: bigint({ mode: "number" }).notNull(),
    manualCorrections: bigint({ mode: "number" }).notNull(),
    costUsd: doublePrecision().notNull(),
    latencyMsSum: doublePrecision().notNull(),
    tokensIn: bigint({ mode: "number" }).notNull(),
    tokensOut: bigint({ mode: "number" }).notNull(),
    /** Counts per fixed log-spaced latency bucket (see lib/canary/histogram). */
    latencyHistogram: jsonb().$type<number[]>().notNull(),
  },
  (t) => [
    primaryKey({
      columns: [t.serviceId, t.releaseId, t.arm, t.tenant, t.granularity, t.bucketStart],
    }),
    index().on(t.serviceId, t.granularity, t.bucketStart),
  ],
);

export type OutcomeEvent = typeof outcomeEvents.$inferSelect;
export type OutcomeRollup = typeof outcomeRollups.$inferSelect;
