CREATE TABLE "outcome_event_keys" (
	"service_id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "outcome_event_keys_service_id_event_id_pk" PRIMARY KEY("service_id","event_id")
);
--> statement-breakpoint
ALTER TABLE "outcome_events" DROP CONSTRAINT "outcome_events_service_id_services_id_fk";
--> statement-breakpoint
ALTER TABLE "outcome_events" DROP CONSTRAINT "outcome_events_service_id_event_id_pk";--> statement-breakpoint
-- jsonb [1, 2, 3] -> bigint[] {1, 2, 3} (a subquery is not allowed in USING).
ALTER TABLE "outcome_rollups" ALTER COLUMN "latency_histogram" SET DATA TYPE bigint[] USING translate("latency_histogram"::text, '[]', '{}')::bigint[];--> statement-breakpoint
ALTER TABLE "outcome_rollups" ADD COLUMN "cost_usd_sq" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "outcome_event_keys_occurred_at_index" ON "outcome_event_keys" USING brin ("occurred_at");