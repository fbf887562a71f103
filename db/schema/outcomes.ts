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
 * Raw per-request outcomes reported by an LLM service (lib/outcomes/ingest.ts writes them).
 * Comparisons never scan this table: they read `outcome_rollups`.
 *
 * In the database this table is PARTITIONED BY RANGE (occurred_at) into daily partitions
 * (`outcome_events_pYYYYMMDD`, created by the ingest path, dropped by retention) plus a default
 * partition. drizzle-kit cannot express that: the DDL is in migration 0003_outcome_partitions.
 * A partitioned table's unique keys must include the partition key, so the idempotency key
 * (service, eventId) lives in `outcome_event_keys` instead. No foreign key to services: the
 * service id always comes from the authenticated token, and a per-row FK check is the costliest
 * part of a bulk insert.
 */
export const outcomeEvents = pgTable(
  "outcome_events",
  {
    serviceId: uuid().notNull(),
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
  (t) => [index().on(t.serviceId, t.releaseId, t.occurredAt)],
);

/**
 * The idempotency keys of stored outcome events: an event is new when its key inserts here
 * (ON CONFLICT DO NOTHING), so a retried or concurrently repeated batch is counted once. Keys
 * are kept as long as the events' retention (plus a day) and events older than the retention
 * are refused, so a key is never forgotten while its event could still be accepted. BRIN on
 * occurred_at: keys arrive roughly in time order, and retention deletes by time.
 */
export const outcomeEventKeys = pgTable(
  "outcome_event_keys",
  {
    serviceId: uuid().notNull(),
    eventId: text().notNull(),
    occurredAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.eventId] }), index().using("brin", t.occurredAt)],
);

/**
 * Per-bucket sums of outcome events; p95 latency comes from `latencyHistogram`. Stored with
 * fillfactor 50 (migration 0005_rollup_fillfactor; drizzle-kit cannot express it) so the
 * ingest path's constant upserts are HOT updates.
 */
export const outcomeRollups = pgTable(
  "outcome_rollups",
  {
    serviceId: uuid()
      .notNull()
      .references(() => services.id),
    releaseId: text().notNull(),
    arm: armEnum().notNull(),
    tenant: text().notNull(),
    /** "minute" or "hour": every event is counted in both. */
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
    /** Sum of each request's cost squared, for the variance of cost per (resolved) request. */
    costUsdSq: doublePrecision().notNull().default(0),
    /** Sum of the cost of resolved requests (Σ cost·resolved), for the covariance in cost per resolved request. */
    costUsdResolved: doublePrecision().notNull().default(0),
    latencyMsSum: doublePrecision().notNull(),
    tokensIn: bigint({ mode: "number" }).notNull(),
    tokensOut: bigint({ mode: "number" }).notNull(),
    /**
     * Counts per fixed log-spaced latency bucket (layout: lib/canary/histogram). An array column,
     * so a rollup upsert adds element-wise in SQL.
     */
    latencyHistogram: bigint({ mode: "number" }).array().notNull(),
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
export type OutcomeEventKey = typeof outcomeEventKeys.$inferSelect;
