import { z } from "zod";
import { COMPONENT_KINDS } from "@/lib/components/kinds";
import { RELEASE_ID_PATTERN } from "./manifest";

/**
 * What the release forms and API send. Shared by the server actions and the API routes (the only
 * validation that counts); the confirmation dialog may use the presets.
 */

/** Reasons offered in the rollback dialog; the operator may type another. */
export const ROLLBACK_REASON_PRESETS = [
  "false refusal spike",
  "latency regression",
  "cost spike",
  "policy violation spike",
  "resolved rate drop",
  "fallback or escalation spike",
] as const;

/** Regression causes offered when tagging a rollback; any short dashed tag is accepted. */
export const ROLLBACK_CAUSE_PRESETS = [
  "prompt-regression",
  "policy-too-strict",
  "policy-too-lax",
  "retrieval-stale-index",
  "tool-misuse",
  "model-latency-regression",
  "cost-regression",
  "infrastructure",
  "false-alarm",
] as const;

/** Form fields arrive as "" when left empty: treat that as absent. */
const absentIfEmpty = (v: unknown) => (v === "" || v === null ? undefined : v);
const optionalInt = z.preprocess(absentIfEmpty, z.coerce.number().int().positive().optional());
const optionalUuid = z.preprocess(absentIfEmpty, z.string().uuid("Choose a version").optional());
const kind = z.enum(COMPONENT_KINDS, { message: "Choose a component kind: prompt, retrieval, policy, tool_permission or routing." });
const releaseIdField = z.string().trim().regex(RELEASE_ID_PATTERN, "A release id looks like rel_20260303_1900_ab12");
const reason = z
  .string()
  .trim()
  .min(3, "Say why (pick a preset or type a reason)")
  .max(500, "Keep the reason under 500 characters");
/** The moment the operator clicked, from the browser (epoch ms or ISO); the server clamps it. */
const clickedAt = z.preprocess(absentIfEmpty, z.coerce.date({ message: "clickedAt must be a time" }).optional());

export const startRolloutSchema = z.object({
  changeRequestId: z.string().uuid(),
  expectedLockVersion: z.coerce.number().int().positive(),
  expectedPointerRevision: optionalInt,
  /** Present only for the emergency override of the deploy window. */
  emergencyReason: z.preprocess(absentIfEmpty, z.string().trim().max(2_000, "Keep the reason under 2,000 characters").optional()),
  targetTenants: z.preprocess(
    (v) => (typeof v === "string" ? (v ? [v] : []) : v),
    z.array(z.string().trim().min(1).max(100)).max(50).default([]),
  ),
});

export const promoteRolloutSchema = z.object({
  changeRequestId: z.string().uuid(),
  expectedLockVersion: optionalInt,
  expectedPointerRevision: optionalInt,
});

export const rollbackComponentSchema = z.object({
  serviceId: z.string().uuid(),
  kind,
  toVersionId: optionalUuid,
  reason,
  expectedPointerRevision: optionalInt,
  clickedAt,
});

export const rollbackBundleSchema = z.object({
  serviceId: z.string().uuid(),
  toReleaseId: releaseIdField,
  reason,
  expectedPointerRevision: optionalInt,
  clickedAt,
});

export const tagRollbackCauseSchema = z.object({
  rollbackId: z.string().uuid(),
  causeTag: z.string().trim().min(2, "Pick or type a cause").max(60, "Keep the tag under 60 characters"),
});

export const rehearseRollbackSchema = z
  .object({
    serviceId: z.string().uuid(),
    kind: z.preprocess(absentIfEmpty, kind.optional()),
    toVersionId: optionalUuid,
    toReleaseId: z.preprocess(absentIfEmpty, releaseIdField.optional()),
  })
  .refine((r) => !(r.kind && r.toReleaseId), { message: "Rehearse a component rollback or a bundle rollback, not both", path: ["toReleaseId"] })
  .refine((r) => !r.toVersionId || r.kind, { message: "Say which component the version is for", path: ["kind"] });
