ALTER TABLE "change_requests" ADD COLUMN "canary_stage_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "change_requests" ADD COLUMN "rollout_hold" jsonb;--> statement-breakpoint
ALTER TABLE "outcome_rollups" ADD COLUMN "cost_usd_resolved" double precision DEFAULT 0 NOT NULL;