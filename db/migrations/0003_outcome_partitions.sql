-- outcome_events becomes a table PARTITIONED BY RANGE (occurred_at), one partition per UTC day
-- (outcome_events_pYYYYMMDD, created on demand by the ingest path and dropped by retention,
-- lib/outcomes/partitions.ts) and a default partition for anything outside them. drizzle-kit
-- cannot express partitioning, hence this hand-written migration. Columns and the index are
-- exactly those of db/schema/outcomes.ts, so `drizzle-kit generate` sees no drift. The
-- idempotency key (service_id, event_id) is in outcome_event_keys (migration 0002): a
-- partitioned table's unique keys must include the partition key.
ALTER TABLE "outcome_events" RENAME TO "outcome_events_unpartitioned";
--> statement-breakpoint
ALTER INDEX "outcome_events_service_id_release_id_occurred_at_index" RENAME TO "outcome_events_unpartitioned_release_index";
--> statement-breakpoint
CREATE TABLE "outcome_events" (
	"service_id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"release_id" text NOT NULL,
	"arm" "outcome_arm" NOT NULL,
	"arm_name" text,
	"tenant" text NOT NULL,
	"component_versions" jsonb NOT NULL,
	"resolved" boolean NOT NULL,
	"policy_violation" boolean NOT NULL,
	"false_refusal" boolean NOT NULL,
	"follow_up" boolean NOT NULL,
	"fallback" boolean NOT NULL,
	"escalated" boolean NOT NULL,
	"manual_correction" boolean NOT NULL,
	"cost_usd" double precision NOT NULL,
	"latency_ms" integer NOT NULL,
	"tokens_in" integer NOT NULL,
	"tokens_out" integer NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
) PARTITION BY RANGE ("occurred_at");
--> statement-breakpoint
CREATE INDEX "outcome_events_service_id_release_id_occurred_at_index" ON "outcome_events" USING btree ("service_id","release_id","occurred_at");
--> statement-breakpoint
CREATE TABLE "outcome_events_default" PARTITION OF "outcome_events" DEFAULT;
--> statement-breakpoint
-- Rows written before this migration (if any) get their days' partitions, then move over.
DO $$
DECLARE
  d date;
BEGIN
  FOR d IN SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date FROM "outcome_events_unpartitioned" LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF "outcome_events" FOR VALUES FROM (%L) TO (%L)',
      'outcome_events_p' || to_char(d, 'YYYYMMDD'),
      d::timestamp AT TIME ZONE 'UTC',
      (d + 1)::timestamp AT TIME ZONE 'UTC'
    );
  END LOOP;
END
$$;
--> statement-breakpoint
INSERT INTO "outcome_events" ("service_id", "event_id", "occurred_at", "release_id", "arm", "arm_name", "tenant", "component_versions", "resolved", "policy_violation", "false_refusal", "follow_up", "fallback", "escalated", "manual_correction", "cost_usd", "latency_ms", "tokens_in", "tokens_out", "received_at")
SELECT "service_id", "event_id", "occurred_at", "release_id", "arm", "arm_name", "tenant", "component_versions", "resolved", "policy_violation", "false_refusal", "follow_up", "fallback", "escalated", "manual_correction", "cost_usd", "latency_ms", "tokens_in", "tokens_out", "received_at"
FROM "outcome_events_unpartitioned";
--> statement-breakpoint
INSERT INTO "outcome_event_keys" ("service_id", "event_id", "occurred_at")
SELECT "service_id", "event_id", "occurred_at" FROM "outcome_events_unpartitioned"
ON CONFLICT DO NOTHING;
--> statement-breakpoint
DROP TABLE "outcome_events_unpartitioned";
