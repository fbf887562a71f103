import { pgEnum } from "drizzle-orm/pg-core";

export const roleEnum = pgEnum("role", [
  "viewer",
  "author",
  "reviewer",
  "security_reviewer",
  "operator",
  "admin",
]);

export const riskTierEnum = pgEnum("risk_tier", ["low", "medium", "high"]);

export const changeRequestStateEnum = pgEnum("change_request_state", [
  "draft",
  "in_review",
  "changes_requested",
  "approved",
  "rejected",
  "rolling_out",
  "paused",
  "promoted",
  "rolled_back",
  "cancelled",
]);

export const gateTypeEnum = pgEnum("gate_type", [
  "security_review",
  "offline_eval",
  "offline_smoke",
  "canary",
  "rollback_plan",
]);

export const gateStatusEnum = pgEnum("gate_status", ["pending", "passed", "failed", "waived"]);

export const approvalDecisionEnum = pgEnum("approval_decision", [
  "approved",
  "rejected",
  "changes_requested",
]);

export const releaseKindEnum = pgEnum("release_kind", [
  "initial",
  "deploy",
  "promotion",
  "rollback",
  "freeze",
]);

export const rollbackScopeEnum = pgEnum("rollback_scope", ["component", "bundle"]);

export const armEnum = pgEnum("outcome_arm", ["stable", "canary", "experiment"]);

export const experimentStatusEnum = pgEnum("experiment_status", [
  "draft",
  "running",
  "stopped",
  "concluded",
]);

export const judgeOutcomeEnum = pgEnum("judge_outcome", ["win", "loss", "tie"]);

export const evalCaseSourceEnum = pgEnum("eval_case_source", [
  "incident",
  "canary",
  "experiment",
  "manual",
]);

export const actorTypeEnum = pgEnum("actor_type", ["user", "api_token", "system"]);

export const webhookDeliveryStatusEnum = pgEnum("webhook_delivery_status", [
  "pending",
  "delivered",
  "failed",
]);
