CREATE TYPE "public"."actor_type" AS ENUM('user', 'api_token', 'system');--> statement-breakpoint
CREATE TYPE "public"."approval_decision" AS ENUM('approved', 'rejected', 'changes_requested');--> statement-breakpoint
CREATE TYPE "public"."outcome_arm" AS ENUM('stable', 'canary', 'experiment');--> statement-breakpoint
CREATE TYPE "public"."change_request_state" AS ENUM('draft', 'in_review', 'changes_requested', 'approved', 'rejected', 'rolling_out', 'paused', 'promoted', 'rolled_back', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."eval_case_source" AS ENUM('incident', 'canary', 'experiment', 'manual');--> statement-breakpoint
CREATE TYPE "public"."experiment_status" AS ENUM('draft', 'running', 'stopped', 'concluded');--> statement-breakpoint
CREATE TYPE "public"."gate_status" AS ENUM('pending', 'passed', 'failed', 'waived');--> statement-breakpoint
CREATE TYPE "public"."gate_type" AS ENUM('security_review', 'offline_eval', 'offline_smoke', 'canary', 'rollback_plan');--> statement-breakpoint
CREATE TYPE "public"."judge_outcome" AS ENUM('win', 'loss', 'tie');--> statement-breakpoint
CREATE TYPE "public"."release_kind" AS ENUM('initial', 'deploy', 'promotion', 'rollback', 'freeze');--> statement-breakpoint
CREATE TYPE "public"."risk_tier" AS ENUM('low', 'medium', 'high');--> statement-breakpoint
CREATE TYPE "public"."role" AS ENUM('viewer', 'author', 'reviewer', 'security_reviewer', 'operator', 'admin');--> statement-breakpoint
CREATE TYPE "public"."rollback_scope" AS ENUM('component', 'bundle');--> statement-breakpoint
CREATE TYPE "public"."webhook_delivery_status" AS ENUM('pending', 'delivered', 'failed');--> statement-breakpoint
CREATE TABLE "login_attempts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"ip" text NOT NULL,
	"succeeded" boolean NOT NULL,
	"attempted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" "role" DEFAULT 'viewer' NOT NULL,
	"password_hash" text NOT NULL,
	"disabled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "component_kinds" (
	"kind" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"governs" text NOT NULL,
	"default_risk" "risk_tier" NOT NULL,
	"sensitive_domain_risk" "risk_tier" NOT NULL,
	"strategy" text NOT NULL,
	"sort_order" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "services" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"owners" text[] DEFAULT '{}' NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"settings" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "services_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenants_serviceId_slug_unique" UNIQUE("service_id","slug")
);
--> statement-breakpoint
CREATE TABLE "component_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"label" text NOT NULL,
	"content" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"parent_id" uuid,
	"author_id" uuid,
	"notes" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "component_versions_serviceId_kind_contentHash_unique" UNIQUE("service_id","kind","content_hash"),
	CONSTRAINT "component_versions_serviceId_kind_label_unique" UNIQUE("service_id","kind","label")
);
--> statement-breakpoint
CREATE TABLE "approvals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"change_request_id" uuid NOT NULL,
	"revision" integer NOT NULL,
	"reviewer_id" uuid NOT NULL,
	"reviewer_role" "role" NOT NULL,
	"decision" "approval_decision" NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "approvals_changeRequestId_revision_reviewerId_unique" UNIQUE("change_request_id","revision","reviewer_id")
);
--> statement-breakpoint
CREATE TABLE "change_request_revisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"change_request_id" uuid NOT NULL,
	"revision" integer NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"touched_domains" text[] DEFAULT '{}' NOT NULL,
	"security_impact" boolean DEFAULT false NOT NULL,
	"expected_metric_shift" text DEFAULT '' NOT NULL,
	"rollback_plan" text DEFAULT '' NOT NULL,
	"risk_tier" "risk_tier" NOT NULL,
	"risk_reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"author_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "change_request_revisions_changeRequestId_revision_unique" UNIQUE("change_request_id","revision")
);
--> statement-breakpoint
CREATE TABLE "change_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" serial NOT NULL,
	"service_id" uuid NOT NULL,
	"author_id" uuid NOT NULL,
	"title" text NOT NULL,
	"state" "change_request_state" DEFAULT 'draft' NOT NULL,
	"risk_tier" "risk_tier" NOT NULL,
	"current_revision" integer DEFAULT 1 NOT NULL,
	"lock_version" integer DEFAULT 1 NOT NULL,
	"canary_stage" integer,
	"emergency_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "change_requests_number_unique" UNIQUE("number")
);
--> statement-breakpoint
CREATE TABLE "component_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"revision_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"from_version_id" uuid,
	"to_version_id" uuid NOT NULL,
	CONSTRAINT "component_changes_revisionId_kind_unique" UNIQUE("revision_id","kind")
);
--> statement-breakpoint
CREATE TABLE "gate_evidence" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"gate_id" uuid NOT NULL,
	"source" text NOT NULL,
	"submitted_by_user_id" uuid,
	"submitted_by_token_id" uuid,
	"payload" jsonb NOT NULL,
	"passed" boolean NOT NULL,
	"summary" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"change_request_id" uuid NOT NULL,
	"revision" integer NOT NULL,
	"position" integer NOT NULL,
	"type" "gate_type" NOT NULL,
	"canary_percent" integer,
	"status" "gate_status" DEFAULT 'pending' NOT NULL,
	"status_reason" text DEFAULT '' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gates_changeRequestId_revision_position_unique" UNIQUE("change_request_id","revision","position")
);
--> statement-breakpoint
CREATE TABLE "active_pointers" (
	"service_id" uuid PRIMARY KEY NOT NULL,
	"stable_release_id" text NOT NULL,
	"canary_release_id" text,
	"canary_percent" integer DEFAULT 0 NOT NULL,
	"canary_tenants" text[] DEFAULT '{}' NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "release_manifest_components" (
	"release_id" text NOT NULL,
	"kind" text NOT NULL,
	"version_id" uuid NOT NULL,
	"rollback_target_version_id" uuid,
	CONSTRAINT "release_manifest_components_release_id_kind_pk" PRIMARY KEY("release_id","kind")
);
--> statement-breakpoint
CREATE TABLE "release_manifests" (
	"id" text PRIMARY KEY NOT NULL,
	"service_id" uuid NOT NULL,
	"kind" "release_kind" NOT NULL,
	"canary_percent" integer DEFAULT 100 NOT NULL,
	"target_tenants" text[] DEFAULT '{}' NOT NULL,
	"change_request_id" uuid,
	"replaces_release_id" text,
	"actor_type" "actor_type" NOT NULL,
	"actor_id" uuid,
	"actor_label" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollbacks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"change_request_id" uuid,
	"scope" "rollback_scope" NOT NULL,
	"kind" text,
	"from_release_id" text NOT NULL,
	"to_release_id" text NOT NULL,
	"reason" text NOT NULL,
	"cause_tag" text,
	"tagged_by_id" uuid,
	"tagged_at" timestamp with time zone,
	"actor_id" uuid,
	"actor_label" text NOT NULL,
	"clicked_at" timestamp with time zone NOT NULL,
	"first_alarm_at" timestamp with time zone,
	"flipped_at" timestamp with time zone NOT NULL
);
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
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outcome_events_service_id_event_id_pk" PRIMARY KEY("service_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "outcome_rollups" (
	"service_id" uuid NOT NULL,
	"release_id" text NOT NULL,
	"arm" "outcome_arm" NOT NULL,
	"tenant" text NOT NULL,
	"granularity" text NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"requests" bigint NOT NULL,
	"resolved" bigint NOT NULL,
	"policy_violations" bigint NOT NULL,
	"false_refusals" bigint NOT NULL,
	"follow_ups" bigint NOT NULL,
	"fallbacks" bigint NOT NULL,
	"escalations" bigint NOT NULL,
	"manual_corrections" bigint NOT NULL,
	"cost_usd" double precision NOT NULL,
	"latency_ms_sum" double precision NOT NULL,
	"tokens_in" bigint NOT NULL,
	"tokens_out" bigint NOT NULL,
	"latency_histogram" jsonb NOT NULL,
	CONSTRAINT "outcome_rollups_service_id_release_id_arm_tenant_granularity_bucket_start_pk" PRIMARY KEY("service_id","release_id","arm","tenant","granularity","bucket_start")
);
--> statement-breakpoint
CREATE TABLE "eval_cases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"eval_set_id" uuid NOT NULL,
	"input" jsonb NOT NULL,
	"expected_behavior" text NOT NULL,
	"failure_label" text,
	"source" "eval_case_source" NOT NULL,
	"source_ref" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "eval_sets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "eval_sets_serviceId_name_unique" UNIQUE("service_id","name")
);
--> statement-breakpoint
CREATE TABLE "experiment_arms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"experiment_id" uuid NOT NULL,
	"name" text NOT NULL,
	"is_control" boolean DEFAULT false NOT NULL,
	"weight" double precision NOT NULL,
	"bundle" jsonb NOT NULL,
	CONSTRAINT "experiment_arms_experimentId_name_unique" UNIQUE("experiment_id","name")
);
--> statement-breakpoint
CREATE TABLE "experiments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"hypothesis" text DEFAULT '' NOT NULL,
	"status" "experiment_status" DEFAULT 'draft' NOT NULL,
	"primary_metric" text NOT NULL,
	"guardrail_metrics" text[] DEFAULT '{}' NOT NULL,
	"decision_rule" jsonb NOT NULL,
	"lock_version" integer DEFAULT 1 NOT NULL,
	"created_by_id" uuid,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "experiments_serviceId_key_unique" UNIQUE("service_id","key")
);
--> statement-breakpoint
CREATE TABLE "judge_comparisons" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"experiment_id" uuid,
	"change_request_id" uuid,
	"request_ref" text NOT NULL,
	"current_version_id" uuid,
	"candidate_version_id" uuid,
	"judge_model" text NOT NULL,
	"judge_prompt_version_id" uuid,
	"candidate_shown_first" boolean NOT NULL,
	"outcome" "judge_outcome" NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"token_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_tokenHash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"webhook_id" uuid NOT NULL,
	"event" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" "webhook_delivery_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_status_code" integer,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"events" text[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"actor_type" "actor_type" NOT NULL,
	"actor_id" text,
	"actor_label" text NOT NULL,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"service_id" uuid,
	"before" jsonb,
	"after" jsonb,
	"reason" text DEFAULT '' NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_log_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "component_versions" ADD CONSTRAINT "component_versions_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "component_versions" ADD CONSTRAINT "component_versions_kind_component_kinds_kind_fk" FOREIGN KEY ("kind") REFERENCES "public"."component_kinds"("kind") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "component_versions" ADD CONSTRAINT "component_versions_parent_id_component_versions_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."component_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "component_versions" ADD CONSTRAINT "component_versions_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_change_request_id_change_requests_id_fk" FOREIGN KEY ("change_request_id") REFERENCES "public"."change_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_reviewer_id_users_id_fk" FOREIGN KEY ("reviewer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_request_revisions" ADD CONSTRAINT "change_request_revisions_change_request_id_change_requests_id_fk" FOREIGN KEY ("change_request_id") REFERENCES "public"."change_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_request_revisions" ADD CONSTRAINT "change_request_revisions_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_requests" ADD CONSTRAINT "change_requests_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_requests" ADD CONSTRAINT "change_requests_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "component_changes" ADD CONSTRAINT "component_changes_revision_id_change_request_revisions_id_fk" FOREIGN KEY ("revision_id") REFERENCES "public"."change_request_revisions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "component_changes" ADD CONSTRAINT "component_changes_kind_component_kinds_kind_fk" FOREIGN KEY ("kind") REFERENCES "public"."component_kinds"("kind") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "component_changes" ADD CONSTRAINT "component_changes_from_version_id_component_versions_id_fk" FOREIGN KEY ("from_version_id") REFERENCES "public"."component_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "component_changes" ADD CONSTRAINT "component_changes_to_version_id_component_versions_id_fk" FOREIGN KEY ("to_version_id") REFERENCES "public"."component_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_evidence" ADD CONSTRAINT "gate_evidence_gate_id_gates_id_fk" FOREIGN KEY ("gate_id") REFERENCES "public"."gates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_evidence" ADD CONSTRAINT "gate_evidence_submitted_by_user_id_users_id_fk" FOREIGN KEY ("submitted_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gates" ADD CONSTRAINT "gates_change_request_id_change_requests_id_fk" FOREIGN KEY ("change_request_id") REFERENCES "public"."change_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "active_pointers" ADD CONSTRAINT "active_pointers_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "active_pointers" ADD CONSTRAINT "active_pointers_stable_release_id_release_manifests_id_fk" FOREIGN KEY ("stable_release_id") REFERENCES "public"."release_manifests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "active_pointers" ADD CONSTRAINT "active_pointers_canary_release_id_release_manifests_id_fk" FOREIGN KEY ("canary_release_id") REFERENCES "public"."release_manifests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_manifest_components" ADD CONSTRAINT "release_manifest_components_release_id_release_manifests_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."release_manifests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_manifest_components" ADD CONSTRAINT "release_manifest_components_kind_component_kinds_kind_fk" FOREIGN KEY ("kind") REFERENCES "public"."component_kinds"("kind") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_manifest_components" ADD CONSTRAINT "release_manifest_components_version_id_component_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."component_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_manifest_components" ADD CONSTRAINT "release_manifest_components_rollback_target_version_id_component_versions_id_fk" FOREIGN KEY ("rollback_target_version_id") REFERENCES "public"."component_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_manifests" ADD CONSTRAINT "release_manifests_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_manifests" ADD CONSTRAINT "release_manifests_change_request_id_change_requests_id_fk" FOREIGN KEY ("change_request_id") REFERENCES "public"."change_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_manifests" ADD CONSTRAINT "release_manifests_replaces_release_id_release_manifests_id_fk" FOREIGN KEY ("replaces_release_id") REFERENCES "public"."release_manifests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollbacks" ADD CONSTRAINT "rollbacks_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollbacks" ADD CONSTRAINT "rollbacks_change_request_id_change_requests_id_fk" FOREIGN KEY ("change_request_id") REFERENCES "public"."change_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollbacks" ADD CONSTRAINT "rollbacks_kind_component_kinds_kind_fk" FOREIGN KEY ("kind") REFERENCES "public"."component_kinds"("kind") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollbacks" ADD CONSTRAINT "rollbacks_from_release_id_release_manifests_id_fk" FOREIGN KEY ("from_release_id") REFERENCES "public"."release_manifests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollbacks" ADD CONSTRAINT "rollbacks_to_release_id_release_manifests_id_fk" FOREIGN KEY ("to_release_id") REFERENCES "public"."release_manifests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollbacks" ADD CONSTRAINT "rollbacks_tagged_by_id_users_id_fk" FOREIGN KEY ("tagged_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollbacks" ADD CONSTRAINT "rollbacks_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outcome_events" ADD CONSTRAINT "outcome_events_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outcome_rollups" ADD CONSTRAINT "outcome_rollups_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eval_cases" ADD CONSTRAINT "eval_cases_eval_set_id_eval_sets_id_fk" FOREIGN KEY ("eval_set_id") REFERENCES "public"."eval_sets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eval_sets" ADD CONSTRAINT "eval_sets_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiment_arms" ADD CONSTRAINT "experiment_arms_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "judge_comparisons" ADD CONSTRAINT "judge_comparisons_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "judge_comparisons" ADD CONSTRAINT "judge_comparisons_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "judge_comparisons" ADD CONSTRAINT "judge_comparisons_change_request_id_change_requests_id_fk" FOREIGN KEY ("change_request_id") REFERENCES "public"."change_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "judge_comparisons" ADD CONSTRAINT "judge_comparisons_current_version_id_component_versions_id_fk" FOREIGN KEY ("current_version_id") REFERENCES "public"."component_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "judge_comparisons" ADD CONSTRAINT "judge_comparisons_candidate_version_id_component_versions_id_fk" FOREIGN KEY ("candidate_version_id") REFERENCES "public"."component_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "judge_comparisons" ADD CONSTRAINT "judge_comparisons_judge_prompt_version_id_component_versions_id_fk" FOREIGN KEY ("judge_prompt_version_id") REFERENCES "public"."component_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "login_attempts_email_attempted_at_index" ON "login_attempts" USING btree ("email","attempted_at");--> statement-breakpoint
CREATE INDEX "login_attempts_ip_attempted_at_index" ON "login_attempts" USING btree ("ip","attempted_at");--> statement-breakpoint
CREATE INDEX "component_versions_service_id_kind_created_at_index" ON "component_versions" USING btree ("service_id","kind","created_at");--> statement-breakpoint
CREATE INDEX "change_requests_service_id_state_index" ON "change_requests" USING btree ("service_id","state");--> statement-breakpoint
CREATE INDEX "change_requests_updated_at_index" ON "change_requests" USING btree ("updated_at");--> statement-breakpoint
CREATE INDEX "gate_evidence_gate_id_created_at_index" ON "gate_evidence" USING btree ("gate_id","created_at");--> statement-breakpoint
CREATE INDEX "release_manifests_service_id_created_at_index" ON "release_manifests" USING btree ("service_id","created_at");--> statement-breakpoint
CREATE INDEX "rollbacks_service_id_flipped_at_index" ON "rollbacks" USING btree ("service_id","flipped_at");--> statement-breakpoint
CREATE INDEX "outcome_events_service_id_release_id_occurred_at_index" ON "outcome_events" USING btree ("service_id","release_id","occurred_at");--> statement-breakpoint
CREATE INDEX "outcome_rollups_service_id_granularity_bucket_start_index" ON "outcome_rollups" USING btree ("service_id","granularity","bucket_start");--> statement-breakpoint
CREATE INDEX "eval_cases_eval_set_id_index" ON "eval_cases" USING btree ("eval_set_id");--> statement-breakpoint
CREATE INDEX "judge_comparisons_experiment_id_index" ON "judge_comparisons" USING btree ("experiment_id");--> statement-breakpoint
CREATE INDEX "judge_comparisons_change_request_id_index" ON "judge_comparisons" USING btree ("change_request_id");--> statement-breakpoint
CREATE INDEX "api_tokens_service_id_index" ON "api_tokens" USING btree ("service_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_status_next_attempt_at_index" ON "webhook_deliveries" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "audit_log_occurred_at_index" ON "audit_log" USING btree ("occurred_at");--> statement-breakpoint
CREATE INDEX "audit_log_action_index" ON "audit_log" USING btree ("action");--> statement-breakpoint
CREATE INDEX "audit_log_target_type_target_id_index" ON "audit_log" USING btree ("target_type","target_id");--> statement-breakpoint
CREATE INDEX "audit_log_actor_label_index" ON "audit_log" USING btree ("actor_label");